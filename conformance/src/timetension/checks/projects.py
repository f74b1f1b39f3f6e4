"""Level 2, projects: a user's own projects, with names unique per user ignoring case."""

from __future__ import annotations

from .._registry import check
from .._tester import Tester
from ._common import (
    MALFORMED_JSON_WHY,
    MEDIA_TYPE_WHY,
    TOKEN_REQUIRED_WHY,
    expect_field_errors,
    reject_malformed_json,
    reject_other_media_types,
    require_token,
)

UNIQUE_WHY = 'project names are unique per user, ignoring case ("Website" and "website" clash).'
NAME_WHY = "a name is trimmed of surrounding white space, then must be 1 to 100 characters long."
NOT_YOURS_WHY = (
    "another user's project answers 404, exactly like one that does not exist; a 403 would tell the "
    "caller that the id is real."
)
PARTIAL_WHY = "PATCH changes the fields it names and leaves every other field as it was."


@check(
    "projects.create",
    level="L2",
    rules=("projects.kept-as-created",),
    title="a project is created with 201 and can be read back",
    operations=["createProject", "getProject"],
    anchor="create",
    why="a project keeps exactly what it was created with.",
)
def create(t: Tester) -> None:
    alice = t.shared_user("alice")
    name = t.unique("Website")
    created = alice.create_project(name, description="The new company site")
    t.ensure_equal(created.get("name"), name, what="name")
    t.ensure_equal(created.get("description"), "The new company site", what="description")
    read = alice.get(f"/projects/{created['id']}")
    t.ensure_equal(read.expect(200), created, what="the project read back", reply=read)
    bare = alice.create_project(t.unique("No description"))
    t.ensure_equal(bare.get("description"), None, what="description when none was given",
                   why="an optional field that was not given is null, not missing and not an empty string.")


@check(
    "projects.name-trimmed",
    level="L2",
    rules=("text.trimmed", "projects.name-trimmed-length"),
    title="surrounding white space is trimmed from a project name",
    operations=["createProject"],
    anchor="names",
    why=NAME_WHY,
)
def name_trimmed(t: Tester) -> None:
    name = t.unique("Trimmed")
    created = t.shared_user("alice").create_project(f"  {name}\t ")
    t.ensure_equal(created.get("name"), name, what="name", why=NAME_WHY)


@check(
    "projects.name-length",
    level="L2",
    rules=("body.schema-422", "projects.name-trimmed-length"),
    title="a name of 100 characters is accepted; 101, empty or only spaces is 422",
    operations=["createProject"],
    anchor="names",
    why=NAME_WHY,
)
def name_length(t: Tester) -> None:
    alice = t.shared_user("alice")
    longest = t.unique("L").ljust(100, "x")
    alice.post("/projects", json={"name": longest}).expect(201, why=NAME_WHY)
    for name in (t.unique("L").ljust(101, "x"), "", "   "):
        expect_field_errors(t, alice.post("/projects", json={"name": name}), ["name"], why=NAME_WHY)
    expect_field_errors(t, alice.post("/projects", json={"description": "no name"}), ["name"], why=NAME_WHY)


@check(
    "projects.duplicate-name-conflict",
    level="L2",
    rules=("projects.name-unique",),
    title="a second project with the same name, in any case, is refused with 409",
    operations=["createProject"],
    anchor="unique-names",
    why=UNIQUE_WHY,
)
def duplicate_name(t: Tester) -> None:
    alice = t.shared_user("alice")
    name = t.unique("Website")
    alice.create_project(name)
    alice.post("/projects", json={"name": name.lower()}).expect_problem(409, why=UNIQUE_WHY)
    alice.post("/projects", json={"name": f" {name.upper()} "}).expect_problem(409, why=UNIQUE_WHY)


@check(
    "projects.same-name-other-user",
    level="L2",
    rules=("projects.name-unique-per-user",),
    title="two users may each have a project with the same name",
    operations=["createProject"],
    anchor="unique-names",
    why="names are unique per user, not across the whole app.",
)
def same_name_other_user(t: Tester) -> None:
    name = t.unique("Shared name")
    t.shared_user("alice").create_project(name)
    t.shared_user("bob").post("/projects", json={"name": name}).expect(201, why="names are unique per user only")


@check(
    "projects.list-own-in-order",
    level="L2",
    rules=("projects.list-own-oldest-first",),
    title="the list holds the user's own projects, oldest first, and nobody else's",
    operations=["listProjects"],
    anchor="list",
    why="a user sees only their own data; the order is the documented one so clients can rely on it.",
)
def list_own(t: Tester) -> None:
    alice = t.shared_user("alice")
    mine = [alice.create_project(t.unique(label))["id"] for label in ("Zeta", "alpha", "Mid")]
    theirs = t.shared_user("bob").create_project(t.unique("Bob only"))["id"]
    reply = alice.get("/projects")
    listed = [project.get("id") for project in reply.expect(200)["items"]]
    t.ensure_in_order(listed, mine, what="ids in the list", reply=reply,
                      why="projects are listed oldest first (creation order), not by name or id.")
    t.ensure(theirs not in listed, expected="no project of another user", received=f"bob's project {theirs}",
             reply=reply, why=NOT_YOURS_WHY)


@check(
    "projects.other-user-not-found",
    level="L2",
    rules=("projects.not-yours-404",),
    title="another user's project is 404 (not 403) to read, change or delete",
    operations=["getProject", "updateProject", "deleteProject"],
    anchor="not-yours",
    why=NOT_YOURS_WHY,
)
def other_user_not_found(t: Tester) -> None:
    project = t.shared_user("alice").create_project(t.unique("Private"))
    bob = t.shared_user("bob")
    path = f"/projects/{project['id']}"
    bob.get(path).expect_problem(404, why=NOT_YOURS_WHY)
    bob.patch(path, json={"name": t.unique("Stolen")}).expect_problem(404, why=NOT_YOURS_WHY)
    bob.delete(path).expect_problem(404, why=NOT_YOURS_WHY)
    t.shared_user("alice").get(path).expect(200, why="a refused delete by another user leaves the project alone")
    bob.get(f"/projects/{t.unique('no-such-project')}").expect_problem(404)


@check(
    "projects.update-partial",
    level="L2",
    rules=("projects.patch-partial",),
    title="PATCH changes only the fields it names",
    operations=["updateProject"],
    anchor="update",
    why=PARTIAL_WHY,
)
def update_partial(t: Tester) -> None:
    alice = t.shared_user("alice")
    name = t.unique("Partial")
    project = alice.create_project(name, description="before")
    path = f"/projects/{project['id']}"
    changed = alice.patch(path, json={"description": "after"}).expect(200, why=PARTIAL_WHY)
    t.ensure_equal((changed.get("name"), changed.get("description")), (name, "after"), what="(name, description)",
                   why=PARTIAL_WHY)
    renamed_to = t.unique("Renamed")
    changed = alice.patch(path, json={"name": renamed_to}).expect(200, why=PARTIAL_WHY)
    t.ensure_equal((changed.get("name"), changed.get("description")), (renamed_to, "after"),
                   what="(name, description)", why=PARTIAL_WHY)
    cleared = alice.patch(path, json={"description": None}).expect(200, why=PARTIAL_WHY)
    t.ensure_equal(cleared.get("description"), None, what="description after setting it to null")
    read = alice.get(path)
    t.ensure_equal(read.expect(200), cleared, what="the project read back after the change", reply=read)


@check(
    "projects.rename-conflict",
    level="L2",
    rules=("projects.rename-rules",),
    title="renaming onto another project's name is 409; onto its own name in another case is fine",
    operations=["updateProject"],
    anchor="unique-names",
    why=UNIQUE_WHY,
)
def rename_conflict(t: Tester) -> None:
    alice = t.shared_user("alice")
    first = alice.create_project(t.unique("First"))
    second = alice.create_project(t.unique("Second"))
    alice.patch(f"/projects/{second['id']}", json={"name": first["name"].upper()}).expect_problem(409, why=UNIQUE_WHY)
    recased = alice.patch(f"/projects/{first['id']}", json={"name": first["name"].upper()})
    body = recased.expect(200, why="a project does not clash with itself")
    t.ensure_equal(body.get("name"), first["name"].upper(), what="name", reply=recased)


@check(
    "projects.update-validation",
    level="L2",
    rules=("projects.rename-rules",),
    title="PATCH with a null, empty or too long name is 422",
    operations=["updateProject"],
    anchor="names",
    why=NAME_WHY,
)
def update_validation(t: Tester) -> None:
    alice = t.shared_user("alice")
    project = alice.create_project(t.unique("Valid"))
    for name in (None, "  ", "y" * 101):
        expect_field_errors(t, alice.patch(f"/projects/{project['id']}", json={"name": name}), ["name"], why=NAME_WHY)


@check(
    "projects.delete",
    level="L2",
    rules=("projects.delete-gone",),
    title="a deleted project is gone: 204, then 404",
    operations=["deleteProject", "getProject"],
    anchor="delete",
    why="DELETE answers 204 with no body; the project is gone afterwards and a second delete finds nothing.",
)
def delete(t: Tester) -> None:
    alice = t.shared_user("alice")
    project = alice.create_project(t.unique("Doomed"))
    path = f"/projects/{project['id']}"
    alice.delete(path).expect(204)
    alice.get(path).expect_problem(404)
    alice.delete(path).expect_problem(404)
    alice.create_project(project["name"])


@check(
    "projects.token-required",
    level="L2",
    rules=("auth.token-first", "auth.www-authenticate"),
    title="every project operation without a valid bearer token is 401 with WWW-Authenticate: Bearer",
    operations=["createProject", "listProjects", "getProject", "updateProject", "deleteProject"],
    anchor="token-required",
    why=TOKEN_REQUIRED_WHY,
)
def projects_token_required(t: Tester) -> None:
    missing = f"/projects/{t.unique('any')}"
    targets = [("POST", "/projects"), ("GET", "/projects"), ("GET", missing), ("PATCH", missing), ("DELETE", missing)]
    require_token(t, targets, body={"name": "Anonymous"})


@check(
    "projects.malformed-json",
    level="L2",
    rules=("body.malformed-json-400",),
    title="a body that is not valid JSON is 400 on create and update",
    operations=["createProject", "updateProject"],
    anchor="malformed-json",
    why=MALFORMED_JSON_WHY,
)
def projects_malformed_json(t: Tester) -> None:
    alice = t.shared_user("alice")
    project = alice.create_project(t.unique("Json"))
    reject_malformed_json(alice, [("POST", "/projects"), ("PATCH", f"/projects/{project['id']}")])


@check(
    "projects.other-media-type",
    level="L2",
    rules=("body.media-type-415",),
    title="a body sent as text/plain is 415 on create and update",
    operations=["createProject", "updateProject"],
    anchor="media-type",
    why=MEDIA_TYPE_WHY,
)
def projects_other_media_type(t: Tester) -> None:
    alice = t.shared_user("alice")
    project = alice.create_project(t.unique("Media"))
    body = f'{{"name": "{t.unique("Plain")}"}}'
    reject_other_media_types(alice, [("POST", "/projects"), ("PATCH", f"/projects/{project['id']}")], body)


@check(
    "projects.unknown-fields-ignored",
    level="L2",
    rules=("body.unknown-fields-ignored",),
    title="unknown members of a project body are ignored on create and update",
    operations=["createProject", "updateProject"],
    anchor="create",
    why="unknown members of a request body are ignored, so that a newer client or a form with extra inputs still works.",
)
def unknown_fields_ignored(t: Tester) -> None:
    alice = t.shared_user("alice")
    why = t.check.why
    name = t.unique("Extra members")
    extra = {"colour": "teal", "archived": False, "owner": {"id": "someone"}}
    created = alice.post("/projects", json={"name": name, **extra}).expect(201, why=why)
    t.ensure_equal(created.get("name"), name, what="name", why=why)
    renamed = alice.patch(f"/projects/{created['id']}", json={"description": "Kept", **extra})
    t.ensure_equal(renamed.expect(200, why=why).get("description"), "Kept", what="description", reply=renamed, why=why)
