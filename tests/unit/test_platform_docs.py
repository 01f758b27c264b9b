"""Every settings and credentials key a collector reads is named in docs/platform-accounts.md.

House rule 9 ("every setting is documented"): the keys are found in the collectors' source with
`ast` (`.get("key")` and `["key"]` on `settings`/`credentials`, or a local name bound to one), so a
new setting cannot ship without its row in the platform's table.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from collector import registry
from emulators import catalog

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "platform-accounts.md"
FIELDS = ("settings", "credentials")


def _field_of(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """'settings' / 'credentials' when `node` is one (attribute, name or local alias), else None."""
    if isinstance(node, ast.Attribute) and node.attr in FIELDS:
        return node.attr
    if isinstance(node, ast.Name):
        return aliases.get(node.id) or (node.id if node.id in FIELDS else None)
    return None


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to an account's settings or credentials (`creds = account.credentials`)."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            # `s, creds = account.settings, account.credentials` pairs element by element.
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts))
            else:
                pairs = [(target, node.value)]
            for name, value in pairs:
                field = _field_of(value, {})
                if isinstance(name, ast.Name) and field:
                    found[name.id] = field
    return found


def keys_read(source: str) -> dict[str, set[str]]:
    """The constant keys `source` reads from settings and from credentials."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    keys: dict[str, set[str]] = {field: set() for field in FIELDS}
    for node in ast.walk(tree):
        owner, key = None, None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            owner, key = node.func.value, node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript):
            owner, key = node.value, node.slice
        field = _field_of(owner, aliases) if owner is not None else None
        if field and isinstance(key, ast.Constant) and isinstance(key.value, str):
            keys[field].add(key.value)
    return keys


def _module_path(name: str) -> Path | None:
    """The source file of a project module, None for a name that is not one (a class, say)."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _source(name: str) -> str:
    path = _module_path(name)
    assert path is not None, name
    return path.read_text(encoding="utf-8")


def modules_of(platform: str) -> list[str]:
    """The platform's collector module and every `collector.*` module it imports, transitively."""
    first = registry.COLLECTORS[platform].partition(":")[0]
    seen, todo = [first], [first]
    while todo:
        tree = ast.parse(_source(todo.pop()))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("collector.") and name not in seen and _module_path(name):
                    seen.append(name)
                    todo.append(name)
    return seen


def platform_keys(platform: str) -> dict[str, set[str]]:
    """Settings and credentials keys read by the platform's modules."""
    keys: dict[str, set[str]] = {field: set() for field in FIELDS}
    for module in modules_of(platform):
        for field, found in keys_read(_source(module)).items():
            keys[field] |= found
    return keys


def sections(doc: str) -> dict[str, str]:
    """Each `## … — \\`code\\`` section's text, by platform code."""
    found: dict[str, str] = {}
    parts = re.split(r"^(## .*)$", doc, flags=re.MULTILINE)
    for heading, body in zip(parts[1::2], parts[2::2]):
        match = re.search(r"— `([^`]+)`\s*$", heading)
        if match:
            found[match.group(1)] = body
    return found


def undocumented(platform: str, doc: str) -> list[str]:
    """The keys the platform reads that its section's table does not name in backquotes."""
    section = sections(doc).get(platform, "")
    table = "\n".join(line for line in section.splitlines() if line.lstrip().startswith("|"))
    keys = platform_keys(platform)
    return [f"{field} {key}" for field in FIELDS for key in sorted(keys[field]) if f"`{key}`" not in table]


def test_every_platform_has_a_section_in_registry_order() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert list(sections(doc)) == registry.platforms()


def test_every_key_a_collector_reads_is_documented_in_its_platform_section() -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = {p: gaps for p in registry.platforms() if (gaps := undocumented(p, doc))}
    assert missing == {}, f"keys read by collectors but missing from {DOC.name}: {missing}"


def test_the_scan_finds_every_key_of_the_demo_accounts() -> None:
    # The demo accounts are known to work, so the scan must see each of their keys: this keeps
    # the documentation test from passing because the scan went blind (e.g. on a new alias).
    for platform in registry.platforms():
        account = catalog.demo_account(platform)
        keys = platform_keys(platform)
        for field in FIELDS:
            assert set(account[field]) <= keys[field], (platform, field)
    assert sum(len(k) for p in registry.platforms() for k in platform_keys(p).values()) >= 30


def test_removing_a_documented_row_makes_the_check_fail() -> None:
    doc = DOC.read_text(encoding="utf-8")
    checked = 0
    for platform in registry.platforms():
        section = sections(doc)[platform]
        rows = [line for line in section.splitlines() if line.startswith("| settings `")]
        for row in rows:
            # Drop one settings row: at least the keys named in it must then be reported.
            cut = doc.replace(section, section.replace(row + "\n", "", 1), 1)
            named = set(re.findall(r"`([^`]+)`", row.split("|")[1]))
            read = platform_keys(platform)["settings"]
            assert {f"settings {k}" for k in named & read} <= set(undocumented(platform, cut)), row
            checked += len(named & read)
    assert checked >= 20  # the rows really were there to remove


def test_scan_reads_get_subscript_and_aliases() -> None:
    source = (
        "def f(account, row):\n"
        "    s, creds = account.settings, account.credentials\n"
        "    settings = row\n"
        "    a = s.get('alpha', 1) or creds['beta']\n"
        "    b = account.settings['gamma'] + self.account.credentials.get('delta')\n"
        "    c = settings.get('epsilon') + other.get('zeta') + row['eta']\n"
    )
    assert keys_read(source) == {"settings": {"alpha", "gamma", "epsilon"}, "credentials": {"beta", "delta"}}


def test_every_platform_has_an_emulator_and_every_emulator_a_platform() -> None:
    assert list(catalog.PLATFORMS) == registry.platforms()
