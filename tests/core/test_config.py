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


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("photos-bucket", "must start with s3://"),
        ("https://s3.amazonaws.com/photos", "must start with s3://"),
        ("s3://", "is not a bucket name"),
        ("s3://Photos_Bucket/x", "is not a bucket name"),
        ("s3://key:secret@photos/x", "must not hold credentials"),
        ("s3://photos:9000/x", "must not hold credentials or a port"),
        ("s3://photos/a/../b", "is not a prefix"),
        ("s3://photos/x?region=us-west-2", "must not have a query"),
    ],
)
def test_a_malformed_photo_storage_url_refuses_to_start(url, complaint):
    from cso_field import create_app

    with pytest.raises(RuntimeError, match="PHOTO_STORAGE_URL is not valid") as refused:
        create_app({"TESTING": True, "PHOTO_STORAGE_URL": url})
    assert complaint in str(refused.value)
    assert "s3://bucket/prefix" in str(refused.value)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("S3_ENDPOINT_URL", "minio.internal:9000"), ("S3_ADDRESSING_STYLE", "bucket-first")],
)
def test_a_malformed_s3_setting_refuses_to_start(setting, value):
    from cso_field import create_app

    with pytest.raises(RuntimeError, match=f"{setting} is not valid"):
        create_app({"TESTING": True, "PHOTO_STORAGE_URL": "s3://cso-photos", setting: value})


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://cso-photos", "cso-photos", ""),
        ("s3://cso-photos/", "cso-photos", ""),
        ("s3://cso.photos.example/stockton/field", "cso.photos.example", "stockton/field"),
        (" s3://cso-photos/Stockton_PD/ ", "cso-photos", "Stockton_PD"),
    ],
)
def test_photo_storage_urls_name_a_bucket_and_a_prefix(url, bucket, prefix):
    from cso_field.storage import S3Location, parse_storage_url

    assert parse_storage_url(url) == S3Location(bucket, prefix)
    assert (
        S3Location(bucket, prefix).object_key("ab/abc-original.jpg").endswith("ab/abc-original.jpg")
    )
    assert parse_storage_url("") is None  # the local folder
