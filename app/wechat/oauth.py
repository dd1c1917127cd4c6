"""The Official Account's web authorisation (网页授权, silent `snsapi_base`): where to send a
WeChat browser, and the openid its answer's code stands for. wechatpy's `WeChatOAuth` does
the talking; its base addresses and a timeout come from the settings, so tests reach the fake.
"""

from __future__ import annotations

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l
from wechatpy.exceptions import WeChatException
from wechatpy.oauth import WeChatOAuth

from app.errors import DomainError

# WeChat's answer to a code that is unknown, used already or too old.
INVALID_CODE = 40029
# What WeChat sends back as `code` and we send as `state`: short, printable.
MAX_PARAMETER = 128

USED_CODE = _l("This WeChat login link has been used or has expired. Please open the page again.")
REFUSED = _l("WeChat could not confirm who you are. Please try again later.")
NO_ANSWER = _l("WeChat did not answer in time. Please try again later.")


class WeChatLoginFailed(DomainError):
    """WeChat did not answer, or answered with an error: nothing to log in with."""

    status = 502
    code = "wechat_unavailable"


class ConfiguredOAuth(WeChatOAuth):
    """WeChatOAuth with the bases from the settings and a timeout on every call."""

    def __init__(self, redirect_uri: str, *, state: str = "") -> None:
        config = current_app.config
        super().__init__(
            config["WECHAT_APP_ID"], config["WECHAT_APP_SECRET"], redirect_uri, state=state
        )
        self.API_BASE_URL = config["WECHAT_API_BASE"].rstrip("/") + "/"
        self.OAUTH_BASE_URL = config["WECHAT_OAUTH_BASE"].rstrip("/") + "/connect/"
        self.timeout = config["WECHAT_TIMEOUT"]

    def _request(self, method, url_or_endpoint, **kwargs):
        return super()._request(method, url_or_endpoint, timeout=self.timeout, **kwargs)


def authorize_url(redirect_uri: str, state: str) -> str:
    """WeChat's authorisation page, which comes back to `redirect_uri` with a code."""
    return ConfiguredOAuth(redirect_uri, state=state).authorize_url


def openid_for(code: str | None, redirect_uri: str) -> str:
    """The openid WeChat's one-time `code` stands for; raises a `DomainError` for a code
    that is missing, forged or used before (400) and when WeChat fails or is slow (502)."""
    if not code or len(code) > MAX_PARAMETER or not code.isalnum():
        raise DomainError(_l("This WeChat login link is not valid. Please open the page again."))
    try:
        answer = ConfiguredOAuth(redirect_uri).fetch_access_token(code)
    except WeChatException as error:
        if error.errcode == INVALID_CODE:
            raise DomainError(USED_CODE) from error
        raise WeChatLoginFailed(REFUSED) from error
    except (requests.RequestException, ValueError, KeyError) as error:
        raise WeChatLoginFailed(NO_ANSWER) from error
    openid = answer.get("openid")
    if not isinstance(openid, str) or not openid or len(openid) > 64:
        raise WeChatLoginFailed(REFUSED)
    return openid
