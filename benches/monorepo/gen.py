#!/usr/bin/env python3
"""Writes a synthetic monorepo for the guardrail benchmark (issue 11).

    python3 benches/monorepo/gen.py --scale N [--seed S] OUT_DIR

Scale 4 is the issue's 50,000-file mix; scale s writes s/4 of every count, so the
mix is the same at every scale and only the size changes:

  * Django: 75*s apps with 50 migrations each, in 5*s projects (manage.py, split
    settings base/dev/prod with `from .base import *` and `MIDDLEWARE +=`, a Dockerfile
    running collectstatic, a Compose file). Migrations depend on the previous one, some
    on other apps of the project, the first ones on the swappable user model.
  * Odoo: 125*s modules of versions 12.0 to 17.0 (manifest, models with `_name` and
    `_inherit`, a wizard, security/ir.model.access.csv, security XML, views, data, an
    icon), some depending on another module of the repository.
  * Docker: 250*s Dockerfiles in all (the projects' and 245*s services: Django
    services single and multi-stage with collectstatic, plain Python services, Node
    front-ends), each with requirements and a .dockerignore; a Compose file per ten
    services (build, postgres and redis with health checks, depends_on conditions).
  * Unrelated: JS and CSS packages, markdown docs, PNG/JPEG/WOFF assets (small binary
    files), filling the tree up to 12,500*s files.

A few real findings are planted (a missing migration dependency, two leaves, an Odoo
model without an access row, an unloaded security file, Dockerfiles that run the app
before installing, Compose depends_on without a condition, an obsolete `version:`):
about 4 per scale unit per family, never thousands.

Python standard library only; the same (scale, seed) writes the same bytes.
"""

import argparse
import os
import random
import sys

FILES_PER_SCALE = 12_500

WORDS = [
    "accounts", "billing", "catalog", "orders", "shipping", "inventory", "payments",
    "reports", "notifications", "search", "reviews", "coupons", "loyalty", "support",
    "analytics", "invoices", "customers", "vendors", "pricing", "tax", "audit", "media",
    "blog", "pages", "forms", "events", "booking", "crm", "hr", "payroll", "fleet",
    "projects", "tasks", "timesheet", "assets", "contracts", "leads", "quotes",
]

ODOO_VERSIONS = ["12.0", "14.0", "15.0", "16.0", "17.0"]

LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud "
    "exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure"
).split()


class Writer:
    def __init__(self, root):
        self.root = root
        self.count = 0
        self.bytes = 0
        self.dirs = set()

    def write(self, rel, data):
        path = os.path.join(self.root, rel)
        d = os.path.dirname(path)
        if d not in self.dirs:
            os.makedirs(d, exist_ok=True)
            self.dirs.add(d)
        if isinstance(data, str):
            data = data.encode()
        with open(path, "wb") as f:
            f.write(data)
        self.count += 1
        self.bytes += len(data)


def words(rng, n):
    return " ".join(rng.choice(LOREM) for _ in range(n))


def camel(s):
    return "".join(p.capitalize() for p in s.replace(".", "_").split("_"))


# --------------------------------------------------------------------------- Django


MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

CONTRIB = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]


def pylist(items, indent="    "):
    return "[\n" + "".join(f'{indent}"{i}",\n' for i in items) + "]"


def migration_name(m, app_label):
    if m == 0:
        return "0001_initial"
    return f"{m + 1:04d}_{app_label}_change_{m + 1}"


def django_project(w, rng, p, apps_per_project, app_offset, migrations):
    base = f"django/proj{p}"
    labels = []
    for k in range(apps_per_project):
        a = app_offset + k
        labels.append(f"{WORDS[a % len(WORDS)]}_{a}")
    user_app = labels[0]
    w.write(
        f"{base}/manage.py",
        "#!/usr/bin/env python\nimport os\nimport sys\n\n\ndef main():\n"
        '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")\n'
        "    from django.core.management import execute_from_command_line\n\n"
        "    execute_from_command_line(sys.argv)\n\n\n"
        'if __name__ == "__main__":\n    main()\n',
    )
    w.write(f"{base}/config/__init__.py", "")
    w.write(f"{base}/config/settings/__init__.py", "")
    installed = CONTRIB + ["rest_framework"] + [f"apps.{l}" for l in labels]
    w.write(
        f"{base}/config/settings/base.py",
        "from pathlib import Path\n\nimport environ\n\n"
        "BASE_DIR = Path(__file__).resolve().parent.parent.parent\n"
        "env = environ.Env()\n\n"
        'SECRET_KEY = env("SECRET_KEY", default="dev-only")\nDEBUG = False\n'
        f"ALLOWED_HOSTS = []\n\nINSTALLED_APPS = {pylist(installed)}\n\n"
        f"MIDDLEWARE = {pylist(MIDDLEWARE)}\n\n"
        'ROOT_URLCONF = "config.urls"\nWSGI_APPLICATION = "config.wsgi.application"\n'
        f'AUTH_USER_MODEL = "{user_app}.User"\n'
        'STATIC_URL = "/static/"\nSTATIC_ROOT = BASE_DIR / "staticfiles"\n'
        'DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///db.sqlite3")}\n'
        'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"\n',
    )
    dev_mw = '"debug_toolbar.middleware.DebugToolbarMiddleware"'
    w.write(
        f"{base}/config/settings/dev.py",
        "from .base import *  # noqa: F401,F403\n\nDEBUG = True\n"
        'ALLOWED_HOSTS = ["*"]\n'
        'INSTALLED_APPS += ["debug_toolbar"]\n'
        f"MIDDLEWARE += [{dev_mw}]\n"
        'INTERNAL_IPS = ["127.0.0.1"]\n',
    )
    prod_extra = ""
    if p % 5 == 4:
        # Planted: a middleware listed twice (middleware/duplicate).
        prod_extra = 'MIDDLEWARE += ["django.contrib.sessions.middleware.SessionMiddleware"]\n'
    w.write(
        f"{base}/config/settings/prod.py",
        "from .base import *  # noqa: F401,F403\n\n"
        'ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])\n'
        'MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")\n'
        + prod_extra
        + "SECURE_SSL_REDIRECT = True\nSESSION_COOKIE_SECURE = True\n",
    )
    w.write(
        f"{base}/config/urls.py",
        "from django.contrib import admin\nfrom django.urls import include, path\n\n"
        "urlpatterns = [\n    path('admin/', admin.site.urls),\n"
        + "".join(f"    path('{l}/', include('apps.{l}.urls')),\n" for l in labels)
        + "]\n",
    )
    w.write(
        f"{base}/config/wsgi.py",
        "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\n"
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")\n'
        "application = get_wsgi_application()\n",
    )
    w.write(
        f"{base}/requirements/base.txt",
        "Django==4.2.11\ndjangorestframework==3.15.1\ndjango-environ==0.11.2\n"
        "psycopg[binary]==3.1.18\nPillow==10.3.0\nrequests==2.31.0\n",
    )
    w.write(f"{base}/requirements/prod.txt", "-r base.txt\ngunicorn==22.0.0\nwhitenoise==6.6.0\n")
    w.write(f"{base}/requirements/dev.txt", "-r base.txt\ndjango-debug-toolbar==4.3.0\npytest-django==4.8.0\n")
    w.write(f"{base}/.dockerignore", ".git\n**/__pycache__\n*.pyc\n.env\nnode_modules\nmedia/\n")
    w.write(
        f"{base}/Dockerfile",
        "FROM python:3.12-slim\n\nENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1\n"
        "WORKDIR /app\n\nCOPY requirements/ requirements/\n"
        "RUN pip install --no-cache-dir -r requirements/prod.txt\n\nCOPY . .\n"
        "RUN DJANGO_SETTINGS_MODULE=config.settings.prod SECRET_KEY=build "
        "python manage.py collectstatic --noinput\n\n"
        'EXPOSE 8000\nCMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]\n',
    )
    w.write(
        f"{base}/docker-compose.yml",
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        f"      POSTGRES_DB: proj{p}\n      POSTGRES_USER: proj{p}\n"
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n"
        "    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n      interval: 5s\n"
        "  web:\n    build: .\n    environment:\n      DJANGO_SETTINGS_MODULE: config.settings.prod\n"
        "    depends_on:\n      db:\n        condition: service_healthy\n"
        "    ports:\n      - \"8000:8000\"\n",
    )
    w.write(f"{base}/apps/__init__.py", "")
    w.write(f"{base}/README.md", f"# Project {p}\n\n{words(rng, 60)}\n")

    for k, label in enumerate(labels):
        a = app_offset + k
        d = f"{base}/apps/{label}"
        model = camel(label)
        w.write(f"{d}/__init__.py", "")
        w.write(
            f"{d}/apps.py",
            "from django.apps import AppConfig\n\n\n"
            f"class {model}Config(AppConfig):\n"
            '    default_auto_field = "django.db.models.BigAutoField"\n'
            f'    name = "apps.{label}"\n    label = "{label}"\n',
        )
        extra_user = ""
        if k == 0:
            extra_user = (
                "\n\nclass User(AbstractUser):\n"
                "    phone = models.CharField(max_length=32, blank=True)\n"
            )
        fields = "".join(
            f"    field_{i} = models.CharField(max_length={20 + i}, blank=True, default='')\n"
            for i in range(rng.randint(4, 10))
        )
        w.write(
            f"{d}/models.py",
            "from django.contrib.auth.models import AbstractUser\nfrom django.db import models\n\n\n"
            f"class {model}(models.Model):\n"
            "    name = models.CharField(max_length=200)\n"
            "    created = models.DateTimeField(auto_now_add=True)\n"
            f"{fields}\n"
            "    class Meta:\n        ordering = ['name']\n\n"
            "    def __str__(self):\n        return self.name\n\n\n"
            f"class {model}Line(models.Model):\n"
            f"    parent = models.ForeignKey({model}, on_delete=models.CASCADE)\n"
            "    amount = models.DecimalField(max_digits=12, decimal_places=2)\n"
            + extra_user,
        )
        w.write(
            f"{d}/admin.py",
            f"from django.contrib import admin\n\nfrom .models import {model}, {model}Line\n\n"
            f"admin.site.register({model})\nadmin.site.register({model}Line)\n",
        )
        w.write(
            f"{d}/views.py",
            "from django.shortcuts import get_object_or_404, render\n\n"
            f"from .models import {model}\n\n\n"
            "def index(request):\n"
            f"    items = {model}.objects.all()[:50]\n"
            f"    return render(request, '{label}/index.html', {{'items': items}})\n\n\n"
            "def detail(request, pk):\n"
            f"    item = get_object_or_404({model}, pk=pk)\n"
            f"    return render(request, '{label}/detail.html', {{'item': item}})\n",
        )
        w.write(
            f"{d}/urls.py",
            "from django.urls import path\n\nfrom . import views\n\n"
            "urlpatterns = [\n    path('', views.index),\n    path('<int:pk>/', views.detail),\n]\n",
        )
        w.write(
            f"{d}/tests.py",
            f"from django.test import TestCase\n\nfrom .models import {model}\n\n\n"
            f"class {model}Tests(TestCase):\n    def test_str(self):\n"
            f"        self.assertEqual(str({model}(name='x')), 'x')\n",
        )
        w.write(f"{d}/migrations/__init__.py", "")
        for m in range(migrations):
            name = migration_name(m, label)
            deps = []
            if m > 0:
                deps.append(f"        ('{label}', '{migration_name(m - 1, label)}'),")
            if m == 0 and k > 0:
                deps.append("        migrations.swappable_dependency(settings.AUTH_USER_MODEL),")
            if m == 0 and k > 0 and k % 3 == 0:
                prev = labels[k - 1]
                deps.append(f"        ('{prev}', '0001_initial'),")
            if m > 2 and m % 10 == 5 and k > 0:
                other = labels[rng.randrange(0, k)]
                om = rng.randrange(0, m)
                deps.append(f"        ('{other}', '{migration_name(om, other)}'),")
            if p % 5 == 2 and k == 1 and m == 30:
                # Planted: a dependency on a migration that does not exist.
                deps.append(f"        ('{labels[0]}', '0099_{labels[0]}_removed'),")
            ops = []
            if m == 0:
                ops.append(
                    "        migrations.CreateModel(\n"
                    f"            name='{model}',\n"
                    "            fields=[\n"
                    "                ('id', models.BigAutoField(auto_created=True, primary_key=True)),\n"
                    "                ('name', models.CharField(max_length=200)),\n"
                    "            ],\n        ),"
                )
            else:
                ops.append(
                    "        migrations.AddField(\n"
                    f"            model_name='{model.lower()}',\n"
                    f"            name='extra_{m}',\n"
                    f"            field=models.CharField(blank=True, default='', max_length={m + 10}),\n"
                    "        ),"
                )
                if m % 4 == 0:
                    ops.append(
                        "        migrations.AlterModelOptions(\n"
                        f"            name='{model.lower()}',\n"
                        "            options={'ordering': ['name']},\n        ),"
                    )
            text = (
                f"# Generated by Django 4.2.11 on 2024-0{1 + m % 9}-1{m % 10} 10:{m % 60:02d}\n\n"
                "from django.conf import settings\nfrom django.db import migrations, models\n\n\n"
                "class Migration(migrations.Migration):\n"
                + ("\n    initial = True\n" if m == 0 else "")
                + "\n    dependencies = [\n"
                + "\n".join(deps)
                + ("\n" if deps else "")
                + "    ]\n\n    operations = [\n"
                + "\n".join(ops)
                + "\n    ]\n"
            )
            w.write(f"{d}/migrations/{name}.py", text)
        if p % 5 == 3 and k == 2:
            # Planted: two leaves (a second migration on the same parent, no merge).
            last = migration_name(migrations - 1, label)
            w.write(
                f"{d}/migrations/{migrations + 1:04d}_{label}_hotfix.py",
                "from django.db import migrations, models\n\n\n"
                "class Migration(migrations.Migration):\n\n"
                f"    dependencies = [\n        ('{label}', '{last}'),\n    ]\n\n"
                "    operations = [\n        migrations.AddField(\n"
                f"            model_name='{model.lower()}',\n            name='hotfix',\n"
                "            field=models.BooleanField(default=False),\n        ),\n    ]\n",
            )
            w.write(
                f"{d}/migrations/{migrations + 1:04d}_{label}_feature.py",
                "from django.db import migrations, models\n\n\n"
                "class Migration(migrations.Migration):\n\n"
                f"    dependencies = [\n        ('{label}', '{last}'),\n    ]\n\n"
                "    operations = [\n        migrations.AddField(\n"
                f"            model_name='{model.lower()}',\n            name='feature',\n"
                "            field=models.BooleanField(default=True),\n        ),\n    ]\n",
            )


# ----------------------------------------------------------------------------- Odoo


def odoo_module(w, rng, i, modules_by_version):
    version = ODOO_VERSIONS[i % len(ODOO_VERSIONS)]
    major = int(version.split(".")[0])
    name = f"acme_{WORDS[i % len(WORDS)]}_{i}"
    d = f"odoo/{version}/addons/{name}"
    prefix = name.replace("_", ".")
    models = [f"{prefix}.{kind}" for kind in ("record", "line", "tag")]
    wizard = f"{prefix}.wizard"
    siblings = modules_by_version.setdefault(version, [])
    depends = ["base", "mail"]
    if siblings and i % 3 == 0:
        depends.append(rng.choice(siblings))
    siblings.append(name)
    data = [
        "security/security.xml",
        "security/ir.model.access.csv",
        "views/record_views.xml",
        "views/tag_views.xml",
        "wizard/wizard_views.xml",
        "views/menu.xml",
        "data/data.xml",
    ]
    w.write(
        f"{d}/__manifest__.py",
        "# -*- coding: utf-8 -*-\n{\n"
        f"    'name': '{camel(name)}',\n"
        f"    'version': '{version}.1.{i % 7}.0',\n"
        "    'category': 'Tools',\n"
        f"    'summary': '{words(rng, 6)}',\n"
        "    'author': 'Acme',\n    'license': 'LGPL-3',\n"
        f"    'depends': {depends!r},\n"
        "    'data': [\n" + "".join(f"        '{x}',\n" for x in data) + "    ],\n"
        "    'installable': True,\n    'application': False,\n}\n",
    )
    w.write(f"{d}/__init__.py", "# -*- coding: utf-8 -*-\nfrom . import models\nfrom . import wizard\n")
    w.write(f"{d}/models/__init__.py", "from . import record\nfrom . import line\nfrom . import partner\n")
    w.write(
        f"{d}/models/record.py",
        "from odoo import api, fields, models\n\n\n"
        f"class Record(models.Model):\n    _name = '{models[0]}'\n"
        f"    _description = '{words(rng, 3)}'\n    _inherit = ['mail.thread']\n\n"
        "    name = fields.Char(required=True)\n"
        f"    line_ids = fields.One2many('{models[1]}', 'record_id')\n"
        f"    tag_ids = fields.Many2many('{models[2]}')\n"
        "    state = fields.Selection([('draft', 'Draft'), ('done', 'Done')], default='draft')\n\n"
        "    @api.depends('line_ids')\n    def _compute_total(self):\n"
        "        for rec in self:\n            rec.total = sum(rec.line_ids.mapped('amount'))\n\n"
        "    total = fields.Float(compute='_compute_total')\n\n\n"
        f"class Tag(models.Model):\n    _name = '{models[2]}'\n"
        "    _description = 'Tag'\n\n    name = fields.Char()\n    color = fields.Integer()\n",
    )
    w.write(
        f"{d}/models/line.py",
        "from odoo import fields, models\n\n\n"
        f"class Line(models.Model):\n    _name = '{models[1]}'\n    _description = 'Line'\n\n"
        f"    record_id = fields.Many2one('{models[0]}', ondelete='cascade')\n"
        "    amount = fields.Float()\n    note = fields.Text()\n",
    )
    w.write(
        f"{d}/models/partner.py",
        "from odoo import fields, models\n\n\n"
        "class ResPartner(models.Model):\n    _inherit = 'res.partner'\n\n"
        f"    {name}_count = fields.Integer()\n",
    )
    w.write(f"{d}/wizard/__init__.py", "from . import wizard\n")
    w.write(
        f"{d}/wizard/wizard.py",
        "from odoo import fields, models\n\n\n"
        f"class Wizard(models.TransientModel):\n    _name = '{wizard}'\n    _description = 'Wizard'\n\n"
        f"    record_ids = fields.Many2many('{models[0]}')\n\n"
        "    def action_apply(self):\n        self.record_ids.write({'state': 'done'})\n",
    )
    rows = ["id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink"]
    for k, m in enumerate(models):
        xid = m.replace(".", "_")
        if i % 50 == 7 and k == 2:
            continue  # Planted: a model without an access row.
        rows.append(f"access_{xid}_user,{m} user,model_{xid},base.group_user,1,1,1,0")
        rows.append(f"access_{xid}_manager,{m} manager,model_{xid},group_{name}_manager,1,1,1,1")
    if major >= 14:
        xid = wizard.replace(".", "_")
        rows.append(f"access_{xid},{wizard},model_{xid},base.group_user,1,1,1,1")
    w.write(f"{d}/security/ir.model.access.csv", "\n".join(rows) + "\n")
    w.write(
        f"{d}/security/security.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<odoo>\n'
        f'    <record id="group_{name}_manager" model="res.groups">\n'
        f"        <field name=\"name\">{camel(name)} Manager</field>\n    </record>\n</odoo>\n",
    )
    if i % 60 == 11:
        # Planted: a security file the manifest does not load.
        w.write(
            f"{d}/security/record_rules.xml",
            '<?xml version="1.0" encoding="utf-8"?>\n<odoo>\n'
            f'    <record id="rule_{name}" model="ir.rule">\n'
            f"        <field name=\"name\">own records</field>\n    </record>\n</odoo>\n",
        )
    for view, model in (("record", models[0]), ("tag", models[2])):
        w.write(
            f"{d}/views/{view}_views.xml",
            '<?xml version="1.0" encoding="utf-8"?>\n<odoo>\n'
            f'    <record id="view_{name}_{view}_form" model="ir.ui.view">\n'
            f'        <field name="model">{model}</field>\n'
            '        <field name="arch" type="xml">\n'
            "            <form>\n                <sheet>\n"
            '                    <field name="name"/>\n'
            "                </sheet>\n            </form>\n        </field>\n    </record>\n"
            f'    <record id="view_{name}_{view}_tree" model="ir.ui.view">\n'
            f'        <field name="model">{model}</field>\n'
            '        <field name="arch" type="xml">\n'
            '            <tree><field name="name"/></tree>\n        </field>\n    </record>\n'
            f'    <record id="action_{name}_{view}" model="ir.actions.act_window">\n'
            f'        <field name="res_model">{model}</field>\n'
            '        <field name="view_mode">tree,form</field>\n    </record>\n</odoo>\n',
        )
    w.write(
        f"{d}/wizard/wizard_views.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<odoo>\n'
        f'    <record id="view_{name}_wizard" model="ir.ui.view">\n'
        f'        <field name="model">{wizard}</field>\n'
        '        <field name="arch" type="xml"><form><footer>'
        '<button name="action_apply" type="object" string="Apply"/></footer></form></field>\n'
        "    </record>\n</odoo>\n",
    )
    w.write(
        f"{d}/views/menu.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<odoo>\n'
        f'    <menuitem id="menu_{name}_root" name="{camel(name)}"/>\n'
        f'    <menuitem id="menu_{name}_record" parent="menu_{name}_root" action="action_{name}_record"/>\n'
        "</odoo>\n",
    )
    w.write(
        f"{d}/data/data.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n<odoo noupdate="1">\n'
        + "".join(
            f'    <record id="tag_{name}_{t}" model="{models[2]}">\n'
            f'        <field name="name">{rng.choice(LOREM)}</field>\n    </record>\n'
            for t in range(3)
        )
        + "</odoo>\n",
    )
    w.write(f"{d}/static/description/icon.png", png(rng, rng.randint(600, 3000)))
    w.write(f"{d}/README.rst", f"{camel(name)}\n{'=' * len(camel(name))}\n\n{words(rng, 80)}\n")


# ---------------------------------------------------------------------------- Docker


def service(w, rng, d, group_dir):
    name = f"svc{d}"
    base = f"{group_dir}/{name}"
    kind = d % 10
    dockerignore = ".git\n**/__pycache__\n*.pyc\n.env\nnode_modules\n"
    if kind < 5:
        # A small Django service.
        w.write(f"{base}/.dockerignore", dockerignore)
        w.write(
            f"{base}/requirements.txt",
            "Django==4.2.11\ngunicorn==22.0.0\nwhitenoise==6.6.0\nrequests==2.31.0\n"
            + ("celery==5.3.6\n" if d % 3 == 0 else ""),
        )
        w.write(
            f"{base}/manage.py",
            "#!/usr/bin/env python\nimport os\nimport sys\n\n"
            'if __name__ == "__main__":\n'
            '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n'
            "    from django.core.management import execute_from_command_line\n\n"
            "    execute_from_command_line(sys.argv)\n",
        )
        w.write(f"{base}/site_cfg/__init__.py", "")
        w.write(
            f"{base}/site_cfg/settings.py",
            'SECRET_KEY = "change-me"\nDEBUG = False\n'
            f"INSTALLED_APPS = {pylist(CONTRIB[1:] + ['web'])}\n"
            f"MIDDLEWARE = {pylist(MIDDLEWARE[:1] + ['whitenoise.middleware.WhiteNoiseMiddleware'] + MIDDLEWARE[1:])}\n"
            'ROOT_URLCONF = "site_cfg.urls"\nSTATIC_URL = "/static/"\nSTATIC_ROOT = "/app/static"\n',
        )
        w.write(
            f"{base}/site_cfg/urls.py",
            "from django.urls import path\n\nfrom web import views\n\n"
            "urlpatterns = [path('', views.index)]\n",
        )
        w.write(f"{base}/web/__init__.py", "")
        w.write(
            f"{base}/web/views.py",
            "import requests\nfrom django.http import JsonResponse\n\n\n"
            "def index(request):\n"
            f"    return JsonResponse({{'service': '{name}', 'ok': True}})\n",
        )
        bad_order = d % 97 == 13  # Planted: collectstatic before the install.
        if d % 2 == 0 or bad_order:
            body = (
                "FROM python:3.12-slim\n\nWORKDIR /app\n"
                "ENV PYTHONDONTWRITEBYTECODE=1\n\n"
            )
            if bad_order:
                body += (
                    "COPY . .\nRUN python manage.py collectstatic --noinput\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n"
                )
            else:
                body += (
                    "COPY requirements.txt .\n"
                    "RUN pip install --no-cache-dir -r requirements.txt\n\n"
                    "COPY . .\nRUN python manage.py collectstatic --noinput\n"
                )
        else:
            body = (
                "FROM python:3.12 AS builder\n\nWORKDIR /build\nCOPY requirements.txt .\n"
                "RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt\n\n"
                "FROM python:3.12-slim\n\nWORKDIR /app\n"
                "COPY --from=builder /wheels /wheels\n"
                "RUN pip install --no-cache-dir /wheels/*\n\n"
                "COPY . .\nRUN python manage.py collectstatic --noinput\n"
            )
        body += 'EXPOSE 8000\nCMD ["gunicorn", "site_cfg.wsgi", "-b", "0.0.0.0:8000"]\n'
        w.write(f"{base}/Dockerfile", body)
        return name, True
    if kind < 8:
        # A plain Python API.
        w.write(f"{base}/.dockerignore", dockerignore)
        req = "fastapi==0.110.0\nuvicorn==0.29.0\npydantic==2.6.4\nhttpx==0.27.0\n"
        missing_req = d % 89 == 5  # Planted: installs from a file that is not there.
        w.write(f"{base}/requirements.txt", req)
        w.write(f"{base}/app/__init__.py", "")
        w.write(
            f"{base}/app/main.py",
            "from fastapi import FastAPI\n\nfrom .api import router\n\n"
            "app = FastAPI()\napp.include_router(router)\n",
        )
        w.write(
            f"{base}/app/api.py",
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
            f"@router.get('/health')\ndef health():\n    return {{'service': '{name}'}}\n",
        )
        if d % 113 == 50:
            # Planted: the whole context copied before the install.
            install = "COPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n"
        else:
            target = "requirements/prod.txt" if missing_req else "requirements.txt"
            install = (
                f"COPY requirements.txt .\nRUN pip install --no-cache-dir -r {target}\n\nCOPY . .\n"
            )
        w.write(
            f"{base}/Dockerfile",
            "FROM python:3.12-slim\n\nWORKDIR /srv\n" + install
            + 'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
        )
        return name, False
    # A Node front-end, multi-stage.
    w.write(f"{base}/.dockerignore", dockerignore + "dist\n")
    w.write(
        f"{base}/package.json",
        '{\n  "name": "' + name + '",\n  "private": true,\n  "scripts": {"build": "vite build"},\n'
        '  "dependencies": {"react": "18.2.0", "react-dom": "18.2.0"},\n'
        '  "devDependencies": {"vite": "5.2.0"}\n}\n',
    )
    w.write(f"{base}/src/index.js", js(rng, 40))
    w.write(f"{base}/src/app.css", css(rng, 20))
    w.write(
        f"{base}/Dockerfile",
        "FROM node:20 AS build\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\n"
        "COPY . .\nRUN npm run build\n\nFROM nginx:1.25-alpine\n"
        "COPY --from=build /app/dist /usr/share/nginx/html\n",
    )
    return name, False


def compose(w, g, group_dir, services):
    lines = []
    if g % 11 == 4:
        lines.append('version: "3.8"')  # Planted: obsolete key.
    lines += [
        "services:",
        "  db:",
        "    image: postgres:16",
        "    environment:",
        f"      POSTGRES_DB: group{g}",
        f"      POSTGRES_USER: group{g}",
        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}",
        "    healthcheck:",
        '      test: ["CMD-SHELL", "pg_isready"]',
        "      interval: 5s",
        "  redis:",
        "    image: redis:7",
        "    healthcheck:",
        '      test: ["CMD", "redis-cli", "ping"]',
    ]
    for k, (name, django) in enumerate(services):
        lines += [f"  {name}:", f"    build: ./{name}"]
        if django:
            if g % 7 == 3 and k == 0:
                lines += ["    depends_on: [db]"]  # Planted: no health condition.
            else:
                lines += [
                    "    depends_on:",
                    "      db:",
                    "        condition: service_healthy",
                    "      redis:",
                    "        condition: service_healthy",
                ]
            lines += ["    environment:", f"      DATABASE_URL: postgres://group{g}@db/group{g}"]
    w.write(f"{group_dir}/docker-compose.yml", "\n".join(lines) + "\n")


# ------------------------------------------------------------------------ Unrelated


def png(rng, size):
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    return head + rng.randbytes(size)


def js(rng, lines):
    out = ["'use strict';", "import { h } from './h.js';", ""]
    for i in range(lines):
        v = rng.choice(LOREM)
        out.append(f"export function {v}{i}(a, b) {{ return a + b * {rng.randint(1, 99)}; // {words(rng, 5)}")
        out.append("}")
    return "\n".join(out) + "\n"


def css(rng, rules):
    return "".join(
        f".{rng.choice(LOREM)}-{i} {{ margin: {rng.randint(0, 32)}px; color: #{rng.getrandbits(24):06x}; }}\n"
        for i in range(rules)
    )


def unrelated(w, rng, budget):
    """Writes `budget` files of front-end code, docs and assets."""
    n = 0
    pkg = 0
    while n < budget:
        base = f"frontend/packages/pkg{pkg}"
        files = [
            (f"{base}/package.json", lambda: '{"name": "pkg%d", "version": "1.0.%d"}\n' % (pkg, pkg)),
            (f"{base}/README.md", lambda: f"# pkg{pkg}\n\n{words(rng, rng.randint(40, 300))}\n"),
        ]
        for i in range(6):
            files.append((f"{base}/src/module{i}.js", lambda: js(rng, rng.randint(10, 80))))
        for i in range(2):
            files.append((f"{base}/src/style{i}.css", lambda: css(rng, rng.randint(10, 60))))
        files.append((f"{base}/assets/logo.png", lambda: png(rng, rng.randint(500, 8000))))
        files.append((f"{base}/assets/photo.jpg", lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + png(rng, rng.randint(2000, 12000))))
        files.append((f"{base}/assets/font.woff2", lambda: b"wOF2\x00\x01\x00\x00" + png(rng, rng.randint(1000, 6000))))
        files.append((f"docs/section{pkg // 10}/page{pkg}.md", lambda: f"# Page {pkg}\n\n{words(rng, rng.randint(100, 600))}\n"))
        for rel, make in files:
            if n >= budget:
                break
            w.write(rel, make())
            n += 1
        pkg += 1


# ------------------------------------------------------------------------------ main


def generate(root, scale, seed):
    rng = random.Random(seed)
    w = Writer(root)
    target = round(FILES_PER_SCALE * scale)
    quarter = scale / 4.0
    apps = round(300 * quarter)
    projects = max(1, round(20 * quarter))
    odoo = round(500 * quarter)
    dockerfiles = round(1000 * quarter)

    w.write("README.md", "# Acme monorepo\n\nGenerated by benches/monorepo/gen.py.\n")
    w.write(".gitignore", "__pycache__/\n*.pyc\nnode_modules/\n.env\n/dist/\n")
    w.write(
        "docker-compose.yml",
        "services:\n  proxy:\n    image: nginx:1.25\n    ports:\n      - \"80:80\"\n",
    )

    per = apps // projects
    offset = 0
    for p in range(projects):
        n = per if p < projects - 1 else apps - offset
        django_project(w, rng, p, n, offset, 50)
        offset += n

    by_version = {}
    for i in range(odoo):
        odoo_module(w, rng, i, by_version)

    services_total = dockerfiles - projects
    group = []
    g = 0
    for d in range(services_total):
        group_dir = f"services/g{d // 10}"
        group.append(service(w, rng, d, group_dir))
        if len(group) == 10 or d == services_total - 1:
            compose(w, g, group_dir, group)
            group = []
            g += 1

    unrelated(w, rng, max(0, target - w.count))
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, required=True, help="1 is about 12,500 files; 4 the issue's 50,000")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("out", help="output directory (must not exist or be empty)")
    args = ap.parse_args()
    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"gen.py: {args.out} is not empty")
    w = generate(args.out, args.scale, args.seed)
    print(f"{args.out}: {w.count} files, {w.bytes / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
