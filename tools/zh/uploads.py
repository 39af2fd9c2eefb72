"""Strings of uploaded materials (cases/uploads.py, the application page's image fields)."""

ZH: dict[str, str] = {
    "This business takes no uploaded image for this material": "本业务的该项材料无需上传图片",
    "The application is %(state)s: images can no longer be attached": (
        "申请当前状态为“%(state)s”，不能再上传图片"
    ),
    "The image may be at most %(size)s": "图片不得超过%(size)s",
    "Only JPEG or PNG images are accepted": "仅接受JPEG或PNG格式的图片",
    "Attach the image: %(material)s": "请上传图片：%(material)s",
    "Image": "图片",
    "Uploaded": "上传于",
    "a new image replaces this one": "重新上传将替换此图片",
    "A photo or scan, JPEG or PNG, at most %(size)s.": (
        "照片或扫描件，JPEG或PNG格式，不超过%(size)s。"
    ),
    "Upload": "上传",
    "Uploaded images": "已上传的图片",
    "none": "无",
}
