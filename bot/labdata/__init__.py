"""The data every lab shares between its job (bot.labs), its wording (bot.fa) and its
command: requests, summaries and results as plain frozen dataclasses."""
