"""The JS-SDK's page configuration (`wx.config`): the Official Account's app id, a timestamp, a
nonce and the signature WeChat checks, SHA-1 over the shared JS-SDK ticket and the page's
exact address (without its #fragment). Built by wechatpy's `WeChatJSAPI.get_jsapi_signature`.

A page never fails for it: without WeChat's settings, or when the ticket cannot be had, there
is no configuration and the page works without the SDK (the camera scanner, no share card).
"""

from __future__ import annotations

import logging
import secrets
import time

import requests
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from wechatpy.client.api import WeChatJSAPI
from wechatpy.exceptions import WeChatException

from app.wechat.client import OfficialAccount, TokenUnavailable, enabled, jsapi_ticket

log = logging.getLogger(__name__)


def page_url(url: str) -> str:
    """The address WeChat signs: the page's, without its #fragment."""
    return url.split("#", 1)[0]


def signature(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """WeChat's JS-SDK signature of `url`."""
    return WeChatJSAPI().get_jsapi_signature(nonce, ticket, timestamp, url)


def page_config(url: str) -> dict[str, object] | None:
    """`{appId, timestamp, nonceStr, signature}` for the page at `url`, or None when WeChat
    is not configured or its ticket cannot be had (logged)."""
    if not enabled():
        return None
    try:
        ticket = jsapi_ticket(OfficialAccount())
    except (
        TokenUnavailable,
        WeChatException,
        requests.RequestException,
        ValueError,
        SQLAlchemyError,  # the credential's lock not had in time: the page goes on without
    ) as error:
        log.warning("No JS-SDK ticket from WeChat, pages go without the SDK: %s", error)
        return None
    nonce = secrets.token_urlsafe(12)
    timestamp = int(time.time())
    return {
        "appId": current_app.config["WECHAT_APP_ID"],
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": signature(ticket, nonce, timestamp, page_url(url)),
    }
