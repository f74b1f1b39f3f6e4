"""A review submission given as an image (`image: NAME` in the cohort file), started through the Docker SDK:
a PostgreSQL container and the app on a network of their own, the app published on a free port of
127.0.0.1, both labelled so that whatever happens they are found and removed, their logs kept first."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker.errors
import httpx

from ._engine import ENGINE_ERRORS, KIT_LABEL, Engine, EngineUnavailable, exit_code_meaning

# The database image of the kit's compose template (test_containers.py keeps the two the same).
DATABASE_IMAGE = "postgres:17.11-trixie"
DATABASE_USER = DATABASE_NAME = "timetension"
APP_PORT = 8080
POLL_SECONDS = 0.5
LOG_TAIL = 15


class ImageFailed(Exception):
    """The image could not be started or never answered; the message says what happened."""


@dataclass
class ImageRun:
    """One image submission's containers and network, from start to removal."""

    image: str
    name: str  # the submission's slug
    logs: Path  # its report folder: app.log and db.log are written there
    env: dict[str, str] = field(default_factory=dict)
    database_image: str = DATABASE_IMAGE
    engine: Engine | None = None
    run_id: str = ""

    def __post_init__(self) -> None:
        self.run_id = f"timetension-review-{self.name[:30].lower()}-{secrets.token_hex(3)}"

    @property
    def label(self) -> str:
        return f"{KIT_LABEL}={self.run_id}"

    def start(self, deadline: float, wait: float) -> str:
        """Start the database, then the app; the app's URL once GET /health answers 200."""
        try:
            self.engine = Engine.connect()
        except EngineUnavailable as problem:
            raise ImageFailed(f"the Docker engine does not answer ({problem})") from None
        client = self.engine.client
        labels = {KIT_LABEL: self.run_id}
        password = secrets.token_hex(12)
        try:
            self._need(self.image)
            self._need(self.database_image)
            client.networks.create(self.run_id, labels=labels)
            database = client.containers.run(
                self.database_image, ["postgres", "-c", "timezone=UTC"], detach=True, name=f"{self.run_id}-db",
                network=self.run_id, labels=labels, environment={
                    "POSTGRES_USER": DATABASE_USER, "POSTGRES_PASSWORD": password, "POSTGRES_DB": DATABASE_NAME,
                    "TZ": "UTC"})
            client.networks.get(self.run_id).reload()
            self._wait_for_database(database, deadline)
            app = client.containers.run(
                self.image, detach=True, name=f"{self.run_id}-app", network=self.run_id, labels=labels,
                ports={f"{APP_PORT}/tcp": ("127.0.0.1", None)}, environment={
                    "PORT": str(APP_PORT), "TZ": "UTC",
                    "DATABASE_URL": f"postgresql://{DATABASE_USER}:{password}@{self.run_id}-db:5432/{DATABASE_NAME}",
                    **self.env})
        except ENGINE_ERRORS as error:
            raise ImageFailed(f"the engine refused: {_explain(error)}") from None
        app.reload()
        bindings = (app.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{APP_PORT}/tcp") or []
        if not bindings:
            raise ImageFailed(f"exited on start with code {self._exit_code(app)}{self._last_words(app)}")
        url = f"http://127.0.0.1:{bindings[0]['HostPort']}"
        self._wait_for_app(app, url, min(deadline, time.monotonic() + wait), wait)
        return url

    def _need(self, image: str) -> None:
        assert self.engine is not None
        if self.engine.image_here(image):
            return
        try:
            self.engine.client.images.pull(image)
        except ENGINE_ERRORS as error:
            raise ImageFailed(f"the image {image} is not here and could not be pulled ({_explain(error)})") from None

    def _wait_for_database(self, database, deadline: float) -> None:
        while True:
            database.reload()
            if database.status in ("exited", "dead"):
                raise ImageFailed(f"its database ({self.database_image}) exited with code "
                                  f"{self._exit_code(database)}{self._last_words(database)}")
            result = database.exec_run(["pg_isready", "--host=127.0.0.1", f"--username={DATABASE_USER}",
                                        f"--dbname={DATABASE_NAME}"])
            if result.exit_code == 0:
                return
            if time.monotonic() >= deadline:
                raise ImageFailed(f"its database ({self.database_image}) did not become ready in time")
            time.sleep(POLL_SECONDS)

    def _wait_for_app(self, app, url: str, deadline: float, wait: float) -> None:
        """Until GET /health answers 200, the app exits (a crash is not silence), or time runs out."""
        last = "no answer yet"
        while True:
            app.reload()
            if app.status in ("exited", "dead"):
                raise ImageFailed(f"exited on start with code {self._exit_code(app)}{self._last_words(app)}")
            try:
                answer = httpx.get(f"{url}/health", timeout=2.0)
                if answer.status_code == 200:
                    return
                last = f"GET /health answered {answer.status_code}"
            except httpx.HTTPError as error:
                last = " ".join(str(error).split()) or type(error).__name__
            if time.monotonic() >= deadline:
                raise ImageFailed(f"no answer on port {APP_PORT} within {wait:g} s ({last})"
                                  f"{self._last_words(app)}")
            time.sleep(POLL_SECONDS)

    @staticmethod
    def _exit_code(container) -> str:
        return exit_code_meaning((container.attrs.get("State") or {}).get("ExitCode"))

    def _last_words(self, container) -> str:
        assert self.engine is not None
        lines = self.engine.logs(container.id, LOG_TAIL)[-3:]
        return ("; its last log lines: " + " / ".join(line.strip() for line in lines)) if lines else "; it logged nothing"

    def stop(self) -> None:
        """Keep both containers' logs, then remove everything labelled with this run."""
        if self.engine is None:
            return
        try:
            for container in self.engine.client.containers.list(all=True, filters={"label": self.label}):
                suffix = container.name.rsplit("-", 1)[-1]
                log = self.logs / ("app.log" if suffix == "app" else "db.log")
                log.write_bytes(container.logs(timestamps=True))
            self.engine.remove_labelled(self.label)
        except ENGINE_ERRORS:
            pass  # the engine is gone: nothing more can be removed from here
        finally:
            self.engine.close()
            self.engine = None


def _explain(error: BaseException) -> str:
    if isinstance(error, docker.errors.APIError) and error.explanation:
        text = str(error.explanation)
    else:
        text = str(error)
    return " ".join(text.split())[:300]
