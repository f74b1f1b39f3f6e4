"""Level 2 at the edges of its rules: the token before the body, lengths in code points after trimming,
JSON types, NUL and exact text, Unicode case, media types."""

from __future__ import annotations

from .._registry import check
from .._tester import Tester
from ._common import MEDIA_TYPE_WHY, expect_field_errors
from ._edges import (
    BODY_FAULTS,
    CODE_POINTS_WHY,
    EMOJI,
    NUL_TEXT,
    ROUND_TRIP_WHY,
    TOKEN_FIRST_WHY,
    TRICKY_TEXT,
    ensure_kept,
    refuse_non_objects,
    refuse_nul,
    refuse_other_types,
    schema_faults,
    without_token,
)
from .accounts_edges import expect_empty_body_refused
from .projects import NAME_WHY, UNIQUE_WHY

LENGTH_WHY = NAME_WHY + " A description is at most 1000. " + CODE_POINTS_WHY


def _sized(prefix: str, length: int) -> str:
    """A unique text of exactly `length` code points, padded with emoji."""
    return prefix + EMOJI * (length - len(prefix))


@check(
    "projects.token-before-body",
    level="L2",
    rules=("auth.token-first",),
    title="without a token, a project request is 401 whatever is wrong with its body or id",
    operations=["createProject", "updateProject", "getProject", "deleteProject"],
    anchor="token-required",
    why=TOKEN_FIRST_WHY,
)
def token_before_body(t: Tester) -> None:
    faults = BODY_FAULTS + schema_faults({"name": ""}, {"name": 42})
    without_token(t, "POST", "/projects", faults)
    someone_elses = f"/projects/{t.shared_user('bob').create_project(t.unique('Bob token-first'))['id']}"
    without_token(t, "PATCH", someone_elses, faults)
    for method in ("GET", "DELETE"):
        without_token(t, method, someone_elses, [("the id of another user's project", {})])
    broken = {"content": "{", "headers": {"Content-Type": "application/json", "Authorization": "Bearer not-a-token"}}
    without_token(t, "PATCH", someone_elses, [("broken JSON (the Authorization held a made-up token)", broken)])


TIES = 8


@check(
    "projects.list-ties-in-creation-order",
    level="L2",
    rules=("projects.list-own-oldest-first",),
    title=f"{TIES} projects created within the same second are listed in the order they were created",
    operations=["createProject", "listProjects"],
    anchor="list",
    why="projects are listed oldest first, in the order they were created: within one second too, where a "
        "timestamp ties and only the creation order (a sequence, not a random id) tells them apart.",
)
def list_ties_in_creation_order(t: Tester) -> None:
    alice = t.shared_user("alice")
    created = [alice.create_project(t.unique("Tie"))["id"] for _ in range(TIES)]
    reply = alice.get("/projects")
    listed = [project.get("id") for project in reply.expect(200).get("items", [])]
    t.ensure_in_order(listed, created, what="ids in the list", reply=reply, why=t.check.why)


@check(
    "projects.lengths-in-code-points",
    level="L2",
    rules=("text.code-points", "projects.name-trimmed-length", "text.trimmed"),
    title="names of 100 characters (emoji count as one), also inside white space, are accepted; 101 is 422",
    operations=["createProject"],
    anchor="names",
    why=LENGTH_WHY,
)
def lengths_in_code_points(t: Tester) -> None:
    alice = t.shared_user("alice")
    for name in (_sized(t.unique("N"), 100), " \t" + _sized(t.unique("N"), 100) + "\r\n "):
        reply = alice.post("/projects", json={"name": name})
        ensure_kept(t, reply, reply.expect(201, why=LENGTH_WHY), {"name": name.strip(" \t\r\n")}, why=LENGTH_WHY)
    for name in (_sized(t.unique("N"), 101), "  " + _sized(t.unique("N"), 101) + "  "):
        expect_field_errors(t, alice.post("/projects", json={"name": name}), ["name"],
                            why=LENGTH_WHY + " This name is 101 characters once trimmed.")
    longest = EMOJI * 1000
    reply = alice.post("/projects", json={"name": t.unique("Long description"), "description": longest})
    ensure_kept(t, reply, reply.expect(201, why=LENGTH_WHY), {"description": longest})
    reply = alice.post("/projects", json={"name": t.unique("Too long"), "description": longest + "x"})
    expect_field_errors(t, reply, ["description"], why=LENGTH_WHY + " This description is 1001 characters.")


@check(
    "projects.types-not-coerced",
    level="L2",
    rules=("body.no-coercion",),
    title="a name or description of another JSON type, or a body that is not an object, is 422 naming it",
    operations=["createProject", "updateProject"],
    anchor="names",
    why="each member has one JSON type; another type is 422 on that member, never converted.",
)
def types_not_coerced(t: Tester) -> None:
    alice = t.shared_user("alice")
    refuse_other_types(t, alice, "POST", "/projects", {"name": t.unique("Typed")}, {
        "name": [42, True, None, ["Website"]],
        "description": [5, False, {"text": "x"}],
    })
    path = f"/projects/{alice.create_project(t.unique('Typed patch'))['id']}"
    refuse_other_types(t, alice, "PATCH", path, {}, {"name": [42, False], "description": [7, ["x"]]})
    refuse_non_objects(t, alice, "POST", "/projects")
    refuse_non_objects(t, alice, "PATCH", path)


@check(
    "projects.text-kept-exactly",
    level="L2",
    rules=("text.no-nul", "text.kept-exactly"),
    title="NUL in a name or description is 422; control characters and emoji come back exactly",
    operations=["createProject", "updateProject", "getProject"],
    anchor="names",
    why=ROUND_TRIP_WHY + " Only NUL (U+0000) is refused, with 422.",
)
def text_kept_exactly(t: Tester) -> None:
    alice = t.shared_user("alice")
    refuse_nul(t, alice, "POST", "/projects", [
        ("name", {"name": t.unique("Nul") + NUL_TEXT}),
        ("description", {"name": t.unique("Nul description"), "description": NUL_TEXT}),
    ])
    name = f"{t.unique('Tricky')} {TRICKY_TEXT}"
    reply = alice.post("/projects", json={"name": name, "description": TRICKY_TEXT})
    project = reply.expect(201, why=ROUND_TRIP_WHY)
    ensure_kept(t, reply, project, {"name": name, "description": TRICKY_TEXT})
    path = f"/projects/{project['id']}"
    refuse_nul(t, alice, "PATCH", path, [("name", {"name": t.unique("Nul") + NUL_TEXT}),
                                         ("description", {"description": NUL_TEXT})])
    changed = alice.patch(path, json={"description": "\U0001f680" + TRICKY_TEXT})
    ensure_kept(t, changed, changed.expect(200), {"name": name, "description": "\U0001f680" + TRICKY_TEXT})
    read = alice.get(path)
    ensure_kept(t, read, read.expect(200), {"name": name, "description": "\U0001f680" + TRICKY_TEXT})


@check(
    "projects.name-case-unicode",
    level="L2",
    rules=("text.case-unicode", "projects.name-unique", "projects.rename-rules"),
    title="names clash ignoring case beyond ASCII (Élan, élan); renaming to its own name in another case is fine",
    operations=["createProject", "updateProject"],
    anchor="unique-names",
    why=UNIQUE_WHY + " Ignoring case means Unicode case, not only A to Z.",
)
def name_case_unicode(t: Tester) -> None:
    alice = t.shared_user("alice")
    name = t.unique("Élan")
    project = alice.create_project(name)
    alice.post("/projects", json={"name": name.lower()}).expect_problem(409, why=t.check.why)
    renamed = alice.patch(f"/projects/{project['id']}", json={"name": name.lower()})
    ensure_kept(t, renamed, renamed.expect(200, why="a project does not clash with itself"), {"name": name.lower()})


@check(
    "projects.media-type-edges",
    level="L2",
    rules=("body.media-type-ignores-case", "body.media-type-415", "body.empty-400-or-422"),
    title="Application/JSON is JSON; merge-patch+json or no Content-Type is 415; an empty PATCH body is 400 or 422",
    operations=["createProject", "updateProject", "getProject"],
    anchor="media-type",
    why=MEDIA_TYPE_WHY,
)
def media_type_edges(t: Tester) -> None:
    alice = t.shared_user("alice")
    name = t.unique("Media edges")
    reply = alice.post("/projects", content=f'{{"name": "{name}"}}', headers={"Content-Type": "APPLICATION/JSON"})
    project = reply.expect(201, why="a media type is case-insensitive (RFC 9110): APPLICATION/JSON is application/json.")
    path = f"/projects/{project['id']}"
    patch = '{"description": "changed"}'
    alice.patch(path, content=patch, headers={"Content-Type": "application/merge-patch+json"}).expect(
        415, why=MEDIA_TYPE_WHY + " PATCH here takes application/json, not application/merge-patch+json.")
    alice.patch(path, content=patch).expect(415, why=MEDIA_TYPE_WHY + " A body with no Content-Type is 415 too.")
    expect_empty_body_refused(t, alice.patch(path, content=b"", headers={"Content-Type": "application/json"}))
    read = alice.get(path)
    ensure_kept(t, read, read.expect(200), {"name": name, "description": None},
                why="a refused PATCH changes nothing")

