"""Read Alteryx ``RuntimeSettings.xml`` layers and derive what a backup needs to know.

Alteryx keeps two layers: shipped defaults (``<install>\\bin\\RuntimeData\\RuntimeSettings.xml``)
and the machine's overrides (``C:\\ProgramData\\Alteryx\\RuntimeSettings.xml``). A setting that is
absent from the override falls back to the default. The XML comes from a managed host, so it
is parsed with defusedxml; encrypted values are only ever reported as present/absent.

Secrets never travel: the host script (``alteryx_facts.ps1``) parses both layers itself (no DTD
processing) and replaces the non-blank text of every element and attribute whose name matches its
``$SecretPattern`` with :data:`REDACTED` before replying -- with ``ANSIBLE_DEBUG=1`` ansible-core
prints every raw module reply, which no ``no_log`` can stop. The controller therefore sees secret
elements only as present (the marker) or empty. :data:`VALUE_ELEMENTS` are the elements whose text
this module reads; the pattern must never match them (a unit test checks both lists against it).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

# Guarded so that importing a plugin never fails (ansible-test import sanity, ansible-doc); without defusedxml
# nothing is parsed: _parse_layer fails the step naming the package, never falling back to the unsafe parser.
try:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring
except ImportError as exc:
    DefusedXmlException = fromstring = None  # type: ignore[assignment,misc]
    DEFUSEDXML_IMPORT_ERROR: ImportError | None = exc
else:
    DEFUSEDXML_IMPORT_ERROR = None

ROOT_TAG = "SystemSettings"
DEFAULT_MONGODB_DATA_PATH = "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB"
DEFAULT_MONGODB_PORT = 27018
DEFAULT_SQLITE_PATH = "C:\\ProgramData\\Alteryx\\Service\\Persistence"
OVERRIDE_PATH = "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml"
# What the host puts in place of a secret value (see alteryx_facts.ps1).
REDACTED = "[redacted on host]"
# (section, element) whose text effective_settings() reads: never redacted on the host.
VALUE_ELEMENTS = (
    ("Controller", "ControllerEnabled"), ("Controller", "WebInterfaceEnabled"), ("Controller", "GalleryEnabled"),
    ("Controller", "EmbeddedMongoDBEnabled"), ("Controller", "EmbeddedMongoDBRootPath"),
    ("Controller", "EmbeddedMongoDBPort"), ("Controller", "MongoDBEnabled"), ("Controller", "MongoDBServerName"),
    ("Controller", "MongoDBDatabaseName"), ("Controller", "MongoDBUserName"), ("Environment", "SetupType"),
    ("Environment", "WorkerEnabled"), ("Worker", "UseLocalServer"), ("Worker", "ServerName"),
    ("Worker", "ExecuteUserName"), ("Worker", "ExecuteDomain"), ("Controller", "SQLitePath"),
)
# (section, element) of which only presence is used: the host sends REDACTED for a non-blank value.
PRESENCE_ELEMENTS = (
    ("Controller", "ServerSecretEncrypted"), ("Controller", "StorageKeysEncrypted"),
    ("Controller", "AdvancedMongoConnectionEncrypted"), ("Worker", "ExecutePasswordEncrypted"),
    ("Worker", "ExecutePassword"),
)

Settings = dict[str, dict[str, str]]


def _parse_layer(xml_text: str | bytes, layer: str) -> Settings:
    """Parse one layer into section -> key -> stripped text; raise a validation error naming ``layer``."""
    if fromstring is None:
        raise AlteryxStepError(
            missing_required_lib("defusedxml", reason=f"to read the {layer} RuntimeSettings.xml (see requirements.txt)"),
            failure_class="general",
        ) from DEFUSEDXML_IMPORT_ERROR
    if isinstance(xml_text, str):
        # A BOM survives reading the file as text on Windows and would make expat reject it.
        xml_text = xml_text.lstrip("\ufeff")
    try:
        root = fromstring(xml_text)
    except DefusedXmlException as exc:
        raise AlteryxStepError(
            f"Refusing to parse the {layer} RuntimeSettings.xml: it uses forbidden XML constructs "
            f"({type(exc).__name__}), e.g. entity expansion",
            failure_class="validation",
        ) from exc
    except ParseError as exc:
        raise AlteryxStepError(
            f"The {layer} RuntimeSettings.xml is not well-formed XML: {exc}", failure_class="validation"
        ) from exc
    if root.tag != ROOT_TAG:
        raise AlteryxStepError(
            f"The {layer} RuntimeSettings.xml has root element <{root.tag}>, expected <{ROOT_TAG}>",
            failure_class="validation",
        )
    settings: Settings = {}
    for section in root:
        if not isinstance(section.tag, str):  # comments and processing instructions
            continue
        values = settings.setdefault(section.tag, {})
        for element in section:
            if isinstance(element.tag, str):
                values[element.tag] = _text(element)
    return settings


def _text(element: Element) -> str:
    """Return the element's own text, stripped (nested children are not part of the format)."""
    return (element.text or "").strip()


def merge_layers(default_xml: str, override_xml: str | None) -> Settings:
    """Merge the defaults layer with the optional override layer (override wins per element).

    Returns section name -> setting name -> text. An empty or missing override means defaults only.
    """
    merged = _parse_layer(default_xml, "default")
    if override_xml is None or not str(override_xml).strip():
        return merged
    for section, values in _parse_layer(override_xml, "override").items():
        merged.setdefault(section, {}).update(values)
    return merged


def _flag(settings: Settings, section: str, key: str) -> bool:
    """Alteryx writes booleans as True/False in any case; anything else (or missing) is False."""
    return settings.get(section, {}).get(key, "").strip().lower() == "true"


def _value(settings: Settings, section: str, key: str) -> str:
    """Return the setting text or "" when absent."""
    return settings.get(section, {}).get(key, "")


def _port(text: str) -> int:
    """Parse the embedded MongoDB port; empty means the Alteryx default."""
    if not text:
        return DEFAULT_MONGODB_PORT
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise AlteryxStepError(
            f"RuntimeSettings.xml Controller/EmbeddedMongoDBPort is not a valid TCP port: {text!r}",
            failure_class="validation",
        )
    return port


def _roles(settings: Settings) -> list[str]:
    """Node roles in a stable order."""
    roles = []
    if _flag(settings, "Controller", "ControllerEnabled"):
        roles.append("controller")
    if _flag(settings, "Environment", "WorkerEnabled"):
        roles.append("worker")
    if _flag(settings, "Controller", "WebInterfaceEnabled") or _flag(settings, "Controller", "GalleryEnabled"):
        roles.append("ui")
    return roles


def _run_as_user(settings: Settings) -> str:
    """``DOMAIN\\user`` when both are set, the bare user name, or "" when no Run As user is set."""
    user = _value(settings, "Worker", "ExecuteUserName")
    domain = _value(settings, "Worker", "ExecuteDomain")
    if not user:
        return ""
    return f"{domain}\\{user}" if domain else user


def override_warnings(override_path: str, exists: bool, empty: bool) -> list[str]:
    """Warnings about the override layer: one when the file exists but holds nothing but whitespace.

    Alteryx then runs on the installer defaults (no controller, no embedded MongoDB, ...), which is
    almost never what an administrator configured in System Settings.
    """
    if exists and empty:
        return [f"{override_path or OVERRIDE_PATH} is empty: the node runs on the installer defaults; "
                "check System Settings"]
    return []


def effective_settings(default_xml: str, override_xml: str | None) -> dict:
    """Derive backup-relevant facts from the merged layers. Encrypted values are never returned.

    Returns a dict with keys:
        roles: subset of ["controller", "worker", "ui"] in that order.
        setup_type: Environment/SetupType or "".
        mongodb_type: "embedded", "self-managed" or "none" ("none" on a node without the controller role: only
            the controller holds the persistence).
        persistence_type: "embedded", "self-managed", "sqlite" (a controller with neither MongoDB, e.g. a
            Scheduler-only setup) or "none" (no controller role).
        persistence_path: the embedded MongoDB data folder, the SQLite folder (Controller/SQLitePath or the
            default) or "".
        mongodb_data_path: embedded data directory ("" unless embedded).
        mongodb_port: embedded MongoDB port (int, default 27018).
        mongodb_server: Controller/MongoDBServerName.
        mongodb_database: Controller/MongoDBDatabaseName.
        mongodb_user: Controller/MongoDBUserName.
        mongodb_has_advanced_connection: bool, an encrypted advanced connection string is set.
        controller_server: Worker/ServerName ("" when the worker uses the local controller).
        has_server_secret: bool, an encrypted controller token is set.
        has_storage_keys: bool, encrypted storage keys are set.
        run_as_user: "DOMAIN\\user", "user" or "".
        has_run_as_password: bool, an encrypted Run As password is set.
    """
    settings = merge_layers(default_xml, override_xml)
    roles = _roles(settings)
    controller = "controller" in roles
    embedded = controller and _flag(settings, "Controller", "EmbeddedMongoDBEnabled")
    if embedded:
        mongodb_type = "embedded"
    elif controller and _flag(settings, "Controller", "MongoDBEnabled"):
        mongodb_type = "self-managed"
    else:
        mongodb_type = "none"
    data_path = ""
    if embedded:
        data_path = _value(settings, "Controller", "EmbeddedMongoDBRootPath") or DEFAULT_MONGODB_DATA_PATH
    persistence_type = mongodb_type if mongodb_type != "none" else ("sqlite" if controller else "none")
    persistence_path = data_path
    if persistence_type == "sqlite":
        persistence_path = _value(settings, "Controller", "SQLitePath") or DEFAULT_SQLITE_PATH
    use_local = _flag(settings, "Worker", "UseLocalServer")
    return {
        "roles": roles,
        "setup_type": _value(settings, "Environment", "SetupType"),
        "mongodb_type": mongodb_type,
        "mongodb_data_path": data_path,
        "persistence_type": persistence_type,
        "persistence_path": persistence_path,
        "mongodb_port": _port(_value(settings, "Controller", "EmbeddedMongoDBPort")),
        "mongodb_server": _value(settings, "Controller", "MongoDBServerName"),
        "mongodb_database": _value(settings, "Controller", "MongoDBDatabaseName"),
        "mongodb_user": _value(settings, "Controller", "MongoDBUserName"),
        "mongodb_has_advanced_connection": bool(_value(settings, "Controller", "AdvancedMongoConnectionEncrypted")),
        "controller_server": "" if use_local else _value(settings, "Worker", "ServerName"),
        "has_server_secret": bool(_value(settings, "Controller", "ServerSecretEncrypted")),
        "has_storage_keys": bool(_value(settings, "Controller", "StorageKeysEncrypted")),
        "run_as_user": _run_as_user(settings),
        # The element name is not publicly documented; accept the encrypted and the plain spelling.
        "has_run_as_password": bool(
            _value(settings, "Worker", "ExecutePasswordEncrypted") or _value(settings, "Worker", "ExecutePassword")
        ),
    }
