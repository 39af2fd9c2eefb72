"""jiaoguan as an OAuth 2.0 / OpenID Connect authorization server for other government
platforms (issue 4, item 2): third-party apps read a citizen's data with their consent."""
