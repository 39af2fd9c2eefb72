"""Strings of the partner API (clients, limits)."""

ZH: dict[str, str] = {
    "Too many requests from this client: at most %(limit)d a minute": "该客户端请求过于频繁：每分钟最多%(limit)d次",
    "The rate is a number of requests a minute": "限额应为每分钟的请求次数",
}
