//! `guardrail rules new`: a pack rule to fill in, one template per matcher. Every
//! template carries examples that pass, so a team starts from a rule that works and
//! edits it into theirs (the command checks the result loads and passes before
//! writing it).

/// The matcher a new rule starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    Pattern,
    DockerfileInstruction,
    YamlKey,
    TomlKey,
    PythonCall,
    JsCall,
    RequiredFile,
    ForbiddenPath,
}

const HEAD: &str = r#"[[rule]]
code = "{code}"
slug = "{slug}"
"#;

fn body(template: Template) -> &'static str {
    match template {
        Template::Pattern => {
            r#"severity = "warning"
summary = "A settings file turns DEBUG on"
message = "`{match}` turns debugging on"
note = "with DEBUG on, an error page shows settings, SQL and source code to anyone who triggers one"
help = "read it from the environment: `DEBUG = env.bool(\"DEBUG\", default=False)`"
files = ["**/settings*.py", "**/settings/*.py"]
doc = """
## What it does
Finds `DEBUG = True` written in a settings file.

## Why it breaks production
A settings file that turns DEBUG on ships it to production the day it is the one
loaded there: every error page then shows the settings and the code.

## Example
```python
DEBUG = True
```
Use instead:
```python
DEBUG = env.bool("DEBUG", default=False)
```
"""

[rule.pattern]
regex = '(?m)^DEBUG\s*=\s*True\b'
# A line with this is fine (`unless-scope = "file"`: anywhere in the file).
unless = 'guardrail-reviewed'
unless-scope = "line"

[[rule.tests]]
path = "config/settings.py"
should-match = "DEBUG = True\n"

[[rule.tests]]
path = "config/settings.py"
should-not-match = "DEBUG = env.bool('DEBUG', default=False)\n"
"#
        }
        Template::DockerfileInstruction => {
            r#"severity = "warning"
summary = "The final image runs as root"
message = "the final stage runs as `{match}`"
note = "a process running as root turns any code execution in the application into root in the container"
help = "create a user and switch to it: `RUN useradd -r app` then `USER app`"
doc = """
## What it does
Finds `USER root` (or `USER 0`) in the final stage of a Dockerfile.

## Why it breaks production
The final stage is what runs. As root, an exploited dependency can write anywhere in
the container and reach what the container's capabilities allow.

## Example
```dockerfile
FROM python:3.12-slim
USER root
```
Use instead:
```dockerfile
FROM python:3.12-slim
RUN useradd -r app
USER app
```
"""

[rule.dockerfile-instruction]
instruction = "USER"
regex = '^(root|0)(:|$)'
stage = "final"

[[rule.tests]]
should-match = "FROM python:3.12-slim\nUSER root\n"

[[rule.tests]]
should-not-match = "FROM python:3.12-slim AS build\nUSER root\nFROM python:3.12-slim\nUSER app\n"
"#
        }
        Template::YamlKey => {
            r#"# A warning: development stacks run privileged containers on purpose (Docker in
# Docker); raise it to an error for the files you deploy with `files = [...]`.
severity = "warning"
summary = "A Compose service runs privileged"
message = "`{match}` gives the container every capability of the host"
note = "a privileged container can mount the host's disks and load kernel modules: one exploited service owns the machine"
help = "remove `privileged: true`; grant the one capability needed with `cap_add`"
kinds = ["compose"]
doc = """
## What it does
Finds `privileged: true` on a Compose service.

## Why it breaks production
A privileged container is root on the host.

## Example
```yaml
services:
  web:
    privileged: true
```
Use instead:
```yaml
services:
  web:
    cap_add: [NET_ADMIN]
```
"""

[rule.yaml-key]
path = "services.*.privileged"
value = '^true$'

[[rule.tests]]
path = "docker-compose.yml"
should-match = "services:\n  web:\n    image: app\n    privileged: true\n"

[[rule.tests]]
path = "docker-compose.yml"
should-not-match = "services:\n  web:\n    image: app\n    privileged: false\n"
"#
        }
        Template::TomlKey => {
            r#"severity = "warning"
summary = "A Python project does not say which Python it needs"
message = "`{match}` is not set"
note = "without `requires-python`, pip installs the project on an interpreter it does not support, and it fails at import time in production"
help = "add `requires-python = \">=3.11\"` to `[project]`"
kinds = ["pyproject"]
doc = """
## What it does
Finds a `[project]` table without `requires-python`.

## Why it breaks production
The deploy image's Python is whatever its base image has; the project only fails
when the code that needs a newer Python runs.

## Example
```toml
[project]
name = "app"
```
Use instead:
```toml
[project]
name = "app"
requires-python = ">=3.11"
```
"""

[rule.toml-key]
path = "project.requires-python"
when = "missing"

[[rule.tests]]
should-match = "[project]\nname = \"app\"\n"

[[rule.tests]]
should-not-match = "[project]\nname = \"app\"\nrequires-python = \">=3.11\"\n"
"#
        }
        Template::PythonCall => {
            r#"severity = "warning"
summary = "An HTTP call without a timeout"
message = "`{match}` has no `timeout=`"
note = "requests waits forever by default: one slow upstream holds a worker until every worker is stuck"
help = "pass `timeout=` (seconds), e.g. `requests.get(url, timeout=10)`"
exclude = ["**/tests/**", "**/test_*.py", "**/conftest.py"]
doc = """
## What it does
Finds `requests` calls without `timeout=`, resolved through imports.

## Why it breaks production
A call without a timeout never gives up; workers pile up behind it.

## Example
```python
import requests
requests.get(url)
```
Use instead:
```python
import requests
requests.get(url, timeout=10)
```
"""

[rule.python-call]
calls = ["requests.get", "requests.post", "requests.put", "requests.patch", "requests.delete", "requests.request"]
without-keyword = "timeout"

[[rule.tests]]
should-match = "from requests import get\nget('https://example.com')\n"

[[rule.tests]]
should-not-match = "import requests\nrequests.get('https://example.com', timeout=10)\n"
"#
        }
        Template::JsCall => {
            r#"severity = "error"
summary = "A request to a private endpoint sends no Authorization header"
message = "`{match}` calls a private endpoint without an `Authorization` header"
note = "the API answers 401 for private and draft resources: signed-in users lose access to them (incident 3)"
help = "pass the token: `headers: { Authorization: `Bearer ${token}` }`"
# Tests and mocks call endpoints without a token on purpose.
exclude = ["**/*.test.*", "**/*.spec.*", "**/__tests__/**", "**/tests/**"]
doc = """
## What it does
Finds `fetch`/`axios` calls whose URL names a private endpoint and whose options have
no `Authorization` header.

## Why it breaks production
Without the token the API treats the user as anonymous: private resources vanish from
the page while every test that mocks the API still passes.

## Example
```ts
fetch(`${API}/projects/private`);
```
Use instead:
```ts
fetch(`${API}/projects/private`, { headers: { Authorization: `Bearer ${token}` } });
```
"""

[rule.js-call]
callees = ["fetch", "axios.*"]
url = '/private|/drafts?\b'
without-header = "Authorization"

[[rule.tests]]
should-match = "export const load = () => fetch(`${API}/projects/private`);\n"

[[rule.tests]]
should-not-match = "export const load = (t: string) => fetch(`${API}/projects/private`, { headers: { Authorization: `Bearer ${t}` } });\n"
"#
        }
        Template::RequiredFile => {
            r#"severity = "warning"
summary = "The repository has no CODEOWNERS"
message = "`{match}` is missing"
note = "without CODEOWNERS, a change to migrations or deploy files merges without the people responsible for them"
help = "add `.github/CODEOWNERS` naming the owners of migrations and deploy files"
doc = """
## What it does
Checks that the repository root has a CODEOWNERS file.

## Why it breaks production
Nobody responsible is asked to review the changes that break deploys.

## Example
```text
app/models.py
```
Use instead:
```text
app/models.py
.github/CODEOWNERS
```
"""

[rule.required-file]
directories = "."
require = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]

[[rule.tests]]
should-match = ["app/models.py"]

[[rule.tests]]
should-not-match = ["app/models.py", ".github/CODEOWNERS"]
"#
        }
        Template::ForbiddenPath => {
            r#"# A warning: test suites commit throwaway keys; `exclude` their folders, or make it an
# error once only real keys can match.
severity = "warning"
summary = "A private key is committed"
message = "`{match}` is a private key in the repository"
note = "anyone with read access to the repository (or to one of its clones) has the key"
help = "remove the file, rotate the key, and load it from the deploy's secret store"
doc = """
## What it does
Finds private key files in the repository.

## Why it breaks production
A committed key is a leaked key: it stays in the history of every clone.

## Example
```text
deploy/id_rsa
```
Use instead:
```text
deploy/README.md   (the key comes from the secret store)
```
"""

[rule.forbidden-path]
paths = ["id_rsa", "id_ed25519", "*.pem"]

[[rule.tests]]
should-match = ["deploy/id_rsa"]

[[rule.tests]]
should-not-match = ["deploy/id_rsa.pub"]
"#
        }
    }
}

/// The pack's text with the new rule appended (`existing`: the pack's current text).
pub fn render(
    existing: Option<&str>,
    code: &str,
    slug: &str,
    template: Template,
) -> Result<String, String> {
    if code.contains(['"', '\\', '\n']) || slug.contains(['"', '\\', '\n']) {
        return Err("a code or slug has no quotes, backslashes or newlines".into());
    }
    let rule = format!(
        "{}{}",
        HEAD.replace("{code}", code).replace("{slug}", slug),
        body(template)
    );
    Ok(match existing {
        Some(text) => {
            let mut text = text.to_string();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push('\n');
            text.push_str(&rule);
            text
        }
        None => format!(
            "# A guardrail rule pack: `guardrail rules test` runs its examples; name it in\n\
             # guardrail.toml with `packs = [\"path/to/this.toml\"]`.\n\n\
             [pack]\nname = \"team-rules\"\ndescription = \"Lessons from our incidents\"\n\n{rule}"
        ),
    })
}
