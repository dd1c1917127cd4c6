"""The facts the demo data is made of (Chinese names, colleges, majors)."""

COLLEGES = [
    ("01", "文学与新闻学院", ["汉语言文学", "新闻学", "广播电视学"]),
    ("02", "经济学院", ["经济学", "金融学", "国际经济与贸易"]),
    ("03", "法学院", ["法学"]),
    ("04", "外国语学院", ["英语", "日语", "俄语"]),
    ("05", "数学学院", ["数学与应用数学", "统计学"]),
    ("06", "物理学院", ["物理学", "光电信息科学与工程"]),
    ("07", "化学学院", ["化学", "应用化学"]),
    ("08", "计算机学院", ["计算机科学与技术", "软件工程", "人工智能"]),
    ("09", "公共管理学院", ["行政管理", "信息资源管理", "图书馆学"]),
    ("10", "华西药学院", ["药学", "临床药学"]),
    ("11", "历史文化学院", ["历史学", "考古学"]),
    ("12", "艺术学院", ["美术学", "音乐学"]),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_CHARS = "子涵欣怡梓轩浩然雨桐思远佳怡宇航诗琪俊杰晨曦一鸣嘉欣文博晓雯志强雅婷明哲若曦天佑可馨博文静怡泽宇梦瑶家豪语嫣建华丽娜"

# Fixed accounts printed by `make run`; everyone else is generated.
DEMO_PASSWORD = "gongchuang2026"
DEMO_ACCOUNTS = [
    # student number, name, roles, user type, email, what the login shows
    ("A0001", "赵敏", ["admin"], "staff", "admin@demo.gongchuang.cn", "管理员 admin"),
    (
        "T0001",
        "陈静",
        ["coordinator"],
        "staff",
        "coordinator@demo.gongchuang.cn",
        "指导老师 coordinator",
    ),
    ("T0002", "林晓", ["editor"], "staff", "editor@demo.gongchuang.cn", "栏目编辑 editor"),
    (
        "2023141001",
        "张一鸣",
        ["volunteer"],
        "undergraduate",
        "volunteer@demo.gongchuang.cn",
        "志愿者 volunteer",
    ),
    ("2024141002", "李欣怡", [], "undergraduate", "reader@demo.gongchuang.cn", "读者 reader"),
]
