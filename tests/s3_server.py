"""A real S3-compatible server on 127.0.0.1 (moto's server mode) with one bucket, for the
photo storage tests and the two-server test.

server = S3Server(); server.start()
make_app(**server.app_config("test-7"))   # photos under s3://<bucket>/test-7/
server.keys("test-7")                    # what is stored there, as the app's keys
server.stop()
"""

import boto3
from botocore.config import Config

HOST = "127.0.0.1"
BUCKET = "cso-test-photos"
REGION = "us-east-1"
# moto accepts any keys; the app's boto3 reads them from the environment, as in production.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key-id", "AWS_SECRET_ACCESS_KEY": "test-secret"}


class S3Server:
    def __init__(self) -> None:
        self.server = None
        self.endpoint_url = ""
        self._client = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        # Port 0: the server binds a free port itself, so no other xdist worker can take it.
        self.server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def client(self):
        """A client of the test's own, beside the app's: to look into the bucket."""
        if self._client is None:  # made once: a new boto3 session takes a fifth of a second
            self._client = self._new_client()
        return self._client

    def _new_client(self):
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(retries={"max_attempts": 1}),
        )

    def app_config(self, prefix: str, bucket: str = BUCKET) -> dict:
        return {
            "PHOTO_STORAGE_URL": f"s3://{bucket}/{prefix}",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": REGION,
        }

    def environment(self, prefix: str) -> dict[str, str]:
        """The same settings as environment variables, for a server started by a test."""
        return {
            "PHOTO_STORAGE_URL": f"s3://{BUCKET}/{prefix}",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": REGION,
            **CREDENTIALS,
        }

    def keys(self, prefix: str) -> list[str]:
        """Every object under `prefix/`, as the app's keys (the prefix taken off), sorted."""
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=BUCKET, Prefix=f"{prefix}/")
        )
        return sorted(
            item["Key"].removeprefix(f"{prefix}/")
            for page in pages
            for item in page.get("Contents", [])
        )

    def read(self, prefix: str, key: str) -> bytes:
        return self.client().get_object(Bucket=BUCKET, Key=f"{prefix}/{key}")["Body"].read()

    def write(self, prefix: str, key: str, data: bytes) -> None:
        """Change an object behind the app's back (as someone with access to the bucket could)."""
        self.client().put_object(Bucket=BUCKET, Key=f"{prefix}/{key}", Body=data)
