// WeChat's JS-SDK (vendor/weixin-js-sdk-1.6.5/jweixin.js) is published as CommonJS: it needs
// a `module` to export its `wx` object into. static/js/wechat.js takes it and removes this.
window.module = window.module || { exports: {} };
