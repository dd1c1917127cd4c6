// Inside WeChat: configures WeChat's JS-SDK with the page's signed configuration
// (templates/wechat/_jssdk.html), then gives public pages their share card (the Open Graph
// title, description, address and poster) and tells the scanner page WeChat's scanner is
// ready ("wechat:ready" on document). Without the SDK the pages work as elsewhere.
(function () {
  "use strict";

  var settings = document.getElementById("wechat-jssdk");
  var wx = window.wx || (window.module && window.module.exports);
  delete window.module;
  if (!settings || !wx || typeof wx.config !== "function") {
    return;
  }
  window.wx = wx;

  function data(name) {
    return settings.getAttribute("data-" + name) || "";
  }

  function meta(property) {
    var tag = document.querySelector('meta[property="' + property + '"]');
    return tag ? tag.getAttribute("content") : "";
  }

  function shareCard() {
    var link = meta("og:url");
    if (!link) {
      return;
    }
    var card = {
      title: meta("og:title"),
      desc: meta("og:description"),
      link: link,
      imgUrl: meta("og:image"),
    };
    wx.updateAppMessageShareData(card);
    wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
  }

  wx.config({
    debug: false,
    appId: data("app-id"),
    timestamp: Number(data("timestamp")),
    nonceStr: data("nonce-str"),
    signature: data("signature"),
    jsApiList: ["scanQRCode", "updateAppMessageShareData", "updateTimelineShareData"],
  });
  wx.ready(function () {
    shareCard();
    document.dispatchEvent(new CustomEvent("wechat:ready"));
  });
})();
