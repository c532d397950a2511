"""文种 templates: the built-ins, user overrides, and Chinese errors that name file and field."""

from pathlib import Path

import pytest

from assistant.compose.templates import (BUILTIN_DIR, TemplateError, check_templates, find_template,
                                         load_template_file, load_templates)
from assistant.ingest.roles import ROLES

REQUIRED = ("工作总结", "工作方案", "工作报告", "实施意见", "通知", "请示", "讲话稿", "调研报告")


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def headings(template) -> list[str]:
    return [s.heading for s in template.sections]


def all_specs(sections):
    for spec in sections:
        yield spec
        yield from all_specs(spec.subsections)


def test_builtins_load_without_errors():
    assert check_templates(None) == []
    templates = load_templates(None)
    assert set(REQUIRED) <= set(templates)
    assert len(list(BUILTIN_DIR.glob("*.yaml"))) == len(templates)
    for template in templates.values():
        assert template.builtin and template.title and template.sections
        for spec in all_specs(template.sections):
            assert spec.roles and set(spec.roles) <= set(ROLES)
            assert spec.paragraphs > 0 or spec.subsections


def test_conventional_structures():
    t = load_templates(None)
    assert headings(t["工作总结"]) == ["主要做法和成效", "存在的问题", "下一步工作打算"]
    assert t["工作总结"].opening.roles == ("开头",) and t["工作总结"].opening.text == "现将有关情况总结如下："
    assert headings(t["工作方案"]) == ["指导思想", "工作目标", "主要任务", "实施步骤", "保障措施"]
    assert [s.heading for s in t["工作方案"].sections[3].subsections] == ["动员部署阶段", "组织实施阶段", "总结验收阶段"]
    assert headings(t["实施意见"])[1:] == ["总体要求", "主要任务", "保障措施"]
    assert headings(t["请示"]) == ["基本情况", "请示事项"] and t["请示"].closing.text == "妥否，请批示。"
    assert t["请示"].addressee == "（主送机关）" and t["请示"].title == "{org}关于{topic}的请示"
    assert t["通知"].closing.text == "特此通知。"
    assert t["讲话稿"].closing.roles == ("结尾",) and t["讲话稿"].opening.lead == "同志们："
    assert t["工作总结"].match_doctypes == ("总结",) and t["工作方案"].match_doctypes[0] == "方案"


def test_aliases_resolve():
    t = load_templates(None)
    assert find_template(t, "实施方案").doctype == "工作方案"
    assert find_template(t, "方案").doctype == "工作方案"
    assert find_template(t, "总结").doctype == "工作总结"
    assert find_template(t, " 讲话 ").doctype == "讲话稿"
    with pytest.raises(TemplateError, match="没有“会议纪要”的模板。可用的文种："):
        find_template(t, "会议纪要")


def test_user_templates_override_and_add(tmp_path):
    write(tmp_path, "我的总结.yaml", """
doctype: 工作总结
aliases: [总结]
title: "{org}{topic}情况总结"
sections:
  - heading: 主要成绩
    roles: [成效]
    paragraphs: 2
""")
    write(tmp_path, "工作要点.yml", """
doctype: 工作要点
aliases: [要点]
match_doctypes: [要点]
title: "{org}{year}年{topic}工作要点"
sections:
  - heading: 总体要求
    roles: [指导思想]
  - heading: 重点任务
    roles: [主要任务]
    paragraphs: 4
    query: 重点 任务
""")
    templates = load_templates(tmp_path)
    assert templates["工作总结"].title == "{org}{topic}情况总结" and not templates["工作总结"].builtin
    assert find_template(templates, "总结").doctype == "工作总结"
    points = templates["工作要点"]
    assert points.sections[0].paragraphs == 1 and points.sections[1].query == ("重点", "任务")
    assert templates["请示"].builtin  # the others are still there


def test_bad_user_template_is_reported_and_skipped(tmp_path):
    write(tmp_path, "坏模板.yaml", """
doctype: 工作计划
title: "{org}{topic}工作计划"
sections:
  - heading: 目标
    roles: [目标]
  - heading: 任务
    roles: [主要任务]
  - heading: 安排
    roles: [打算]
""")
    write(tmp_path, "好模板.yaml", """
doctype: 会议纪要
title: "{topic}会议纪要"
sections:
  - heading: 会议议定事项
    roles: [正文]
""")
    errors: list[str] = []
    templates = load_templates(tmp_path, errors.append)
    assert len(errors) == 1
    assert errors[0].startswith("模板 坏模板.yaml：sections[2].roles 含未知角色 “打算”（可用角色：开头、")
    assert "工作计划" not in templates and "会议纪要" in templates and "工作总结" in templates


@pytest.mark.parametrize("text,message", [
    ("doctype: 甲\ntitle: 甲\nsections: [{heading: 一, roles: [开头]}\n", "模板 t.yaml：YAML 格式错误（第 "),
    ("- 只是一个列表\n", "模板 t.yaml：内容应为键值映射"),
    ("title: 甲\nsections: [{heading: 一, roles: [开头]}]\n", "模板 t.yaml：doctype 为必填项"),
    ("doctype: 甲\ntitle: 甲\nsection: []\n", "模板 t.yaml：section 是未知字段"),
    ("doctype: 甲\ntitle: 甲\nsections: []\n", "模板 t.yaml：sections 必须是非空列表"),
    ("doctype: 甲\ntitle: \"{机关}关于{topic}\"\nsections: [{heading: 一, roles: [开头]}]\n",
     "模板 t.yaml：title 含未知占位符 {机关}"),
    ("doctype: 甲\ntitle: 甲\nsections: [{heading: 一, roles: [开头], paragraphs: -1}]\n",
     "模板 t.yaml：sections[0].paragraphs 应为 0 到 20 之间的整数，收到 -1"),
    ("doctype: 甲\ntitle: 甲\nsections: [{heading: 一, paragraphs: 2}]\n", "模板 t.yaml：sections[0].roles 不能为空"),
    ("doctype: 甲\ntitle: 甲\nsections: [{heading: 一, roles: [开头], subsections: [{heading: 二, roles: [成效], "
     "paragraphs: 二}]}]\n", "模板 t.yaml：sections[0].subsections[0].paragraphs 应为 0 到 20 之间的整数"),
    ("doctype: 甲\ntitle: 甲\nsections: [{heading: 一, roles: [开头]}]\nclosing: {roles: [结束]}\n",
     "模板 t.yaml：closing.roles 含未知角色 “结束”"),
    ("doctype: 甲\ntitle: 甲\nsections: [{heading: 一, roles: [开头]}]\nx: !!python/object/apply:os.system [echo]\n",
     "模板 t.yaml：YAML 格式错误"),
])
def test_errors_name_file_and_field(tmp_path, text, message):
    with pytest.raises(TemplateError) as err:
        load_template_file(write(tmp_path, "t.yaml", text))
    assert str(err.value).startswith(message), str(err.value)


def test_all_errors_of_a_file_are_listed(tmp_path):
    path = write(tmp_path, "t.yaml", "doctype: 甲\ntitle: 甲\nsections: [{heading: 一, roles: [开始]}, {roles: [成效]}]\n")
    with pytest.raises(TemplateError) as err:
        load_template_file(path)
    assert "sections[0].roles 含未知角色 “开始”" in str(err.value)
    assert "sections[1].heading 为必填项" in str(err.value)


def test_duplicate_doctype_and_missing_folder_are_reported(tmp_path):
    body = "title: 甲\nsections: [{heading: 一, roles: [开头]}]\n"
    write(tmp_path, "a.yaml", "doctype: 甲\n" + body)
    write(tmp_path, "b.yaml", "doctype: 甲\n" + body)
    errors = check_templates(tmp_path)
    assert errors == ["模板 b.yaml：doctype “甲” 与 a.yaml 重复，已跳过"]
    assert check_templates(tmp_path / "没有") == [f"模板目录不存在：{tmp_path / '没有'}"]


def test_gb18030_file_from_a_windows_editor(tmp_path):
    write(tmp_path, "t.yaml", "doctype: 情况通报\ntitle: 关于{topic}的通报\nsections: [{heading: 基本情况, roles: [正文]}]\n",
          encoding="gb18030")
    assert load_template_file(tmp_path / "t.yaml").doctype == "情况通报"


def test_templates_are_frozen():
    template = load_templates(None)["请示"]
    with pytest.raises(AttributeError):
        template.title = "x"  # type: ignore[misc]
