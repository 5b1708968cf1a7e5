"""Console text in Simplified Chinese and English, chosen per user.

Templates call `t("key")`; every key must exist in both languages (tested), so a page
never shows a raw key or half a language.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app_name": {"zh": "外呼营销系统", "en": "Outbound dialer"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sign_out": {"zh": "退出", "en": "Sign out"},
    "username": {"zh": "用户名", "en": "Username"},
    "password": {"zh": "密码", "en": "Password"},
    "bad_login": {
        "zh": "用户名或密码错误。多次失败后账户会被锁定，请联系管理员解锁。",
        "en": "Wrong username or password. After many failures the account is locked: "
        "ask an administrator to unlock it.",
    },
    "login_throttled": {
        "zh": "尝试次数过多，请稍后再试。",
        "en": "Too many attempts: wait a moment and try again.",
    },
    "welcome": {"zh": "欢迎", "en": "Welcome"},
    "your_role": {"zh": "您的角色", "en": "Your role"},
    "consoles": {"zh": "工作台", "en": "Consoles"},
    "role_telesales_rep": {"zh": "电话销售", "en": "Telesales rep"},
    "role_team_leader": {"zh": "班组长", "en": "Team leader"},
    "role_campaign_manager": {"zh": "电话营销负责人", "en": "Campaign manager"},
    "role_branch_manager": {"zh": "营业部负责人", "en": "Branch manager"},
    "role_account_manager": {"zh": "客户经理", "en": "Account manager"},
    "role_admin": {"zh": "系统管理员", "en": "Administrator"},
    "role_qa_reviewer": {"zh": "质检员", "en": "QA reviewer"},
    "role_compliance_officer": {"zh": "合规专员", "en": "Compliance officer"},
    "api_docs": {"zh": "接口文档", "en": "API document"},
    "language": {"zh": "语言", "en": "Language"},
}


def translate(key: str, language: str) -> str:
    entry = MESSAGES.get(key)
    if entry is None:
        raise KeyError(f"no translation key {key!r}")
    return entry[language if language in LANGUAGES else "zh"]


def register(messages: dict[str, dict[str, str]]) -> None:
    """Feature packages add their own keys here at import time."""
    for key, entry in messages.items():
        if key in MESSAGES and MESSAGES[key] != entry:
            raise ValueError(f"translation key {key!r} registered twice with different text")
        MESSAGES[key] = entry
