"""zh-hans for single sign-on through the provincial platform (jiaoguan.sso)."""

ZH = {
    "The provincial platform's sign-in could not be verified; please try again": "无法核验省政务服务网的登录信息，请重试",
    "The provincial identity platform cannot be reached; please try again later": "暂时无法连接省统一身份认证平台，请稍后再试",
    "Sign-in through the provincial platform is not available here": "本系统未开通省政务服务网登录",
    "This sign-in has already been used; please start again": "该登录请求已使用，请重新登录",
    "This sign-in does not belong to this browser; please start again": "该登录请求不属于当前浏览器，请重新登录",
    "The sign-in took too long; please start again": "登录超时，请重新登录",
    "The provincial platform did not sign you in": "省政务服务网未完成登录",
    "Your sign-in at the provincial platform does not confirm your real name. Please verify your real name there, or sign in with your jiaoguan account": "您在省政务服务网的登录未经实名核验。请先在省政务服务网完成实名认证，或使用交管账号登录",
    "This identity cannot sign in to a citizen account; please visit a service window": "该身份不能登录群众账号，请到业务窗口办理",
    "The platform sent an ID number that is not valid": "省政务服务网提供的身份证号码无效",
    "Sign-in refused": "登录被拒绝",
    "Back to sign-in": "返回登录",
    "Sign in with the provincial government service platform": "使用省政务服务网登录",
}
