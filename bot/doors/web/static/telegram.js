// A small bridge to the Telegram client (the documented Mini App events), so the page
// needs no script from telegram.org: init data and theme from the URL's hash, events
// through TelegramWebviewProxy (mobile), window.external (desktop) or postMessage (web).
(function () {
  "use strict";
  const hash = new URLSearchParams(location.hash.slice(1));
  const stored = sessionStorage.getItem("tgWebAppData") || "";
  const initData = hash.get("tgWebAppData") || stored;
  if (initData) sessionStorage.setItem("tgWebAppData", initData);
  const handlers = {};

  function post(type, data) {
    const payload = JSON.stringify(data || {});
    try {
      if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, payload);
      else if (window.external && "notify" in window.external)
        window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} }));
      else if (window.parent !== window)
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), "*");
    } catch (e) { /* outside Telegram: nothing to tell */ }
  }
  function on(type, handler) { (handlers[type] = handlers[type] || []).push(handler); }
  function receive(type, data) { (handlers[type] || []).forEach((h) => h(data || {})); }
  window.Telegram = window.Telegram || {};
  window.Telegram.WebView = { receiveEvent: receive };
  window.addEventListener("message", (event) => {
    try {
      const message = JSON.parse(event.data);
      if (message && message.eventType) receive(message.eventType, message.eventData);
    } catch (e) { /* not Telegram's */ }
  });

  function applyTheme(params) {
    const root = document.documentElement.style;
    for (const [key, value] of Object.entries(params || {}))
      if (/^#[0-9a-f]{3,8}$/i.test(value)) root.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
  }
  try { applyTheme(JSON.parse(hash.get("tgWebAppThemeParams") || "{}")); } catch (e) { /* none */ }
  on("theme_changed", (data) => { applyTheme(data.theme_params); receive("theme_applied", {}); });

  let mainClick = null;
  on("main_button_pressed", () => mainClick && mainClick());

  window.TG = {
    initData,
    inTelegram: Boolean(initData),
    queryId: new URLSearchParams(initData).get("query_id") || "",
    on,
    mainButton(text, onClick) {
      mainClick = onClick;
      post("web_app_setup_main_button", { is_visible: true, is_active: true, text });
    },
    sendData(data) { post("web_app_data_send", { data }); },
    close() { post("web_app_close"); },
  };
  post("web_app_ready");
  post("web_app_expand");
})();
