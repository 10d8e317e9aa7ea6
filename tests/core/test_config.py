"""Settings that a server must have before it starts."""

import pytest

from cso_field.config import check_production_config


def test_production_refuses_to_start_without_the_public_address():
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        check_production_config({"ENV_NAME": "production", "PUBLIC_BASE_URL": ""})


def test_production_starts_with_the_public_address_and_development_without():
    check_production_config(
        {"ENV_NAME": "production", "PUBLIC_BASE_URL": "https://cso.example.org"}
    )
    check_production_config({"ENV_NAME": "development", "PUBLIC_BASE_URL": ""})
