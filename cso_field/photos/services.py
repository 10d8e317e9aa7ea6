"""Saving photos for a field record: the original kept byte for byte, clean copies to show.

Photo files are written before the database commits, so the files must follow the
transaction: a service that saves photos works inside `unit_of_work()`, first stores the
uploads with its `store()` (decoding, resizing and writing files: seconds for large photos)
before the unit's first write, then does its writes and adds the photos' rows with
`attach()`. The write transaction, which on SQLite holds the database's only write lock,
stays short. The unit commits at the end; if anything fails the database rolls back and
the files go, files stored for rows never added (a repeated submission) go, and if the
commit itself failed, only files whose rows are certainly absent go (they may be evidence
a retry confirms).
"""

import hashlib
import io
import secrets
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import BinaryIO, cast

from flask import current_app, request
from flask_babel import format_decimal, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from PIL import ExifTags, Image, ImageCms, ImageOps
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage

from cso_field import audit
from cso_field.database import lock_for_update
from cso_field.extensions import db
from cso_field.photos.models import THUMBNAIL_MAX_SIDE, Photo
from cso_field.records.services import add_version
from cso_field.storage import StorageError, get_storage

# Pillow format -> (content type, file extension). Phones' JPEGs often open as MPO.
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
DISPLAY_MAX_SIDE = 1600
JPEG_QUALITY = 82
CHUNK_BYTES = 64 * 1024
VERIFY_IN_MEMORY_BYTES = 1024 * 1024  # larger originals are checked through a temporary file
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}
_SRGB = ImageCms.createProfile("sRGB")

Text = str | LazyString  # messages are translated when shown, in the viewer's language


class PhotoError(Exception):
    """A photo the user must change (status 4xx), or storage trouble (503); nothing was kept."""

    def __init__(self, message: Text, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class _Prepared:
    original: bytes
    content_type: str
    extension: str
    width: int  # upright, i.e. after the EXIF orientation is applied
    height: int
    display: bytes
    thumbnail: bytes


@dataclass(frozen=True)
class StoredPhoto:
    """A photo whose files are written and whose row is not added yet."""

    original_key: str
    display_key: str
    thumbnail_key: str
    sha256: str
    content_type: str
    width: int
    height: int
    byte_size: int


@dataclass
class PhotoUnit:
    """The photos of one unit of work, so their files can follow its outcome.

    `store()` does the slow part (decoding, resizing, writing files) and must come before
    the unit's first write: on SQLite the first write takes the database's only write lock,
    held until the commit. `attach()` then adds the rows, inside the short transaction.
    """

    stored: list[StoredPhoto] = field(default_factory=list)
    attached: list[StoredPhoto] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)  # their rows, until the commit

    def store(self, files: Iterable[FileStorage]) -> list[StoredPhoto]:
        stored = store_photos(files)
        self.stored += stored
        return stored

    def attach(self, record, user) -> list[Photo]:
        """Rows for every photo stored and not yet attached; flushes."""
        pending = [photo for photo in self.stored if photo not in self.attached]
        photos = attach_photos(pending, record, user)
        self.attached += pending
        self.photos += photos
        return photos

    def save(self, files: Iterable[FileStorage], record, user) -> list[Photo]:
        """Store and attach at once, for a unit that holds no write lock yet."""
        self.store(files)
        return self.attach(record, user)

    def discard_unattached(self) -> None:
        """Remove the files stored for rows that will not be added (e.g. a repeated
        submission whose record, and photos, were stored the first time)."""
        unused = [photo for photo in self.stored if photo not in self.attached]
        discard_files(unused)
        self.stored = [photo for photo in self.stored if photo in self.attached]


@contextmanager
def unit_of_work() -> Iterator[PhotoUnit]:
    """Commit the session when the block ends, or roll it back if it raises; photo files
    stored through the unit are removed whenever their rows were not committed."""
    unit = PhotoUnit()
    try:
        yield unit
    except BaseException:
        db.session.rollback()
        discard_files(unit.stored)
        raise
    unit.discard_unattached()
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        discard_files_unless_committed(unit.attached)
        raise


def add_to_record(record, user, files: Iterable[FileStorage]) -> list[Photo]:
    """More photos for a saved record, with a version and an audit row; commits."""
    with unit_of_work() as unit:
        unit.store(files)  # before the first write
        lock_for_update(record)  # its next version number is this unit's to take
        photos = unit.attach(record, user)
        add_version(record, user, "photos", {"photos": [None, len(photos)]})
        audit.record(
            "photo.add",
            object_type=record.record_type,
            object_id=record.id,
            detail=f"{len(photos)} photos",
        )
    return photos


def uploads_in(files: Iterable[FileStorage]) -> list[FileStorage]:
    """The file inputs a person actually filled (an empty input sends no filename)."""
    return [file for file in files if file and file.filename]


def posted_photos() -> list[FileStorage]:
    """The photos of the form being handled (photos/_upload_field.html names the input)."""
    return uploads_in(request.files.getlist("photos"))


def save_photos(files: Iterable[FileStorage], record, user) -> list[Photo]:
    """Check, store and add Photo rows for `record`; flushes, never commits.

    Empty file inputs (no file chosen) are skipped. Raises PhotoError with nothing stored
    and no rows added.
    """
    stored = store_photos(files)
    try:
        return attach_photos(stored, record, user)
    except BaseException:
        discard_files(stored)
        raise


def store_photos(files: Iterable[FileStorage]) -> list[StoredPhoto]:
    """Check the uploads and write their files (original, display copy, thumbnail); no
    database work, so it can run before a transaction takes any lock.

    Empty file inputs (no file chosen) are skipped. Raises PhotoError with nothing stored.
    """
    chosen = uploads_in(files)
    _check_count(len(chosen))
    written: list[str] = []
    try:
        return [_store_one(file, number, written) for number, file in enumerate(chosen, start=1)]
    except BaseException:
        _delete_keys(written)
        raise


def attach_photos(stored: Iterable[StoredPhoto], record, user) -> list[Photo]:
    """Add the Photo rows of stored photos to `record`; flushes, never commits. The files
    are the caller's to remove if this raises (a unit of work does that)."""
    stored = list(stored)
    if not stored:
        return []
    if record.id is None:
        db.session.flush()
    photos = [
        Photo(
            record_type=record.record_type,
            record_id=record.id,
            uploaded_by_id=user.id,
            **asdict(photo),
        )
        for photo in stored
    ]
    db.session.add_all(photos)
    db.session.flush()
    return photos


def discard_files(photos: Iterable[Photo | StoredPhoto]) -> None:
    """Remove the stored files of photos whose transaction did not commit."""
    _delete_keys(
        key
        for photo in photos
        for key in (photo.original_key, photo.display_key, photo.thumbnail_key)
    )


def discard_files_unless_committed(photos: Iterable[Photo | StoredPhoto]) -> None:
    """After the commit itself raised: remove only the files of photos whose rows are not
    in the database.

    A failed commit may still have committed (the connection dropped before the database's
    answer arrived); deleting those files would lose evidence that a retry then confirms.
    If the database cannot be asked, the files stay: unreferenced files only cost space.
    """
    photos = list(photos)
    if not photos:
        return
    try:
        with db.engine.connect() as connection:  # committed rows only, whatever the session
            stored = set(
                connection.scalars(
                    select(Photo.original_key).where(
                        Photo.original_key.in_([photo.original_key for photo in photos])
                    )
                )
            )
    except SQLAlchemyError as error:
        current_app.logger.error("kept photo files of a commit that may have failed: %s", error)
        return
    discard_files(photo for photo in photos if photo.original_key not in stored)


def photos_for(record) -> list[Photo]:
    query = (
        select(Photo)
        .where(Photo.record_type == record.record_type, Photo.record_id == record.id)
        .order_by(Photo.id)
    )
    return list(db.session.scalars(query))


class OriginalMismatchError(Exception):
    """The stored original no longer has the SHA-256 it had when it was uploaded."""


def open_original(photo: Photo) -> BinaryIO:
    """The photo's original, checked against its SHA-256 before a byte of it is sent.

    Read once from storage into a spooled temporary file (memory for small photos, disk for
    large ones) while hashing. Raises StorageError, or OriginalMismatchError when the file
    was changed: a copy that no longer matches is not evidence and is not handed out.
    """
    digest = hashlib.sha256()
    copy = tempfile.SpooledTemporaryFile(max_size=VERIFY_IN_MEMORY_BYTES)  # noqa: SIM115
    try:
        with get_storage().open(photo.original_key) as stored:
            while chunk := stored.read(CHUNK_BYTES):
                digest.update(chunk)
                copy.write(chunk)
        if digest.hexdigest() != photo.sha256:
            raise OriginalMismatchError(f"photo {photo.id}: original does not match its SHA-256")
    except OSError as error:  # the disk failed while reading, or the temporary file
        copy.close()
        raise StorageError(f"could not read {photo.original_key}: {error}") from error
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return cast(BinaryIO, copy)


def _check_count(count: int) -> None:
    limit = current_app.config["PHOTO_MAX_FILES"]
    if count > limit:
        raise PhotoError(
            lazy_ngettext(
                "You can attach at most %(num)d photo. Remove some and try again.",
                "You can attach at most %(num)d photos. Remove some and try again.",
                limit,
            ),
            413,
        )


def _store_one(file: FileStorage, number: int, written: list[str]) -> StoredPhoto:
    name = _display_name(file, number)
    prepared = _prepare(_read_limited(file, name), name)
    token = secrets.token_hex(16)
    keys = {
        "original_key": f"{token[:2]}/{token}-original.{prepared.extension}",
        "display_key": f"{token[:2]}/{token}-display.jpg",
        "thumbnail_key": f"{token[:2]}/{token}-thumbnail.jpg",
    }
    contents = (prepared.original, prepared.display, prepared.thumbnail)
    for key, data in zip(keys.values(), contents, strict=True):
        _put(key, data, written)
    return StoredPhoto(
        sha256=hashlib.sha256(prepared.original).hexdigest(),
        content_type=prepared.content_type,
        width=prepared.width,
        height=prepared.height,
        byte_size=len(prepared.original),
        **keys,
    )


def _put(key: str, data: bytes, written: list[str]) -> None:
    try:
        get_storage().put(key, data)
    except StorageError as error:
        current_app.logger.error("photo storage failed: %s", error)
        raise PhotoError(
            _l(
                "The photos could not be saved, so nothing was saved. Try again; "
                "if it keeps happening, tell an administrator."
            ),
            503,
        ) from error
    written.append(key)


def _delete_keys(keys: Iterable[str]) -> None:
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except StorageError as error:
            current_app.logger.error("could not remove an unsaved photo file: %s", error)


def _lazy_decimal(number: float) -> LazyString:
    return LazyString(format_decimal, number)


def _display_name(file: FileStorage, number: int) -> Text:
    name = (file.filename or "").strip()
    return name[:60] if name else _l("Photo %(number)d", number=number)


def _read_limited(file: FileStorage, name: Text) -> bytes:
    """The whole upload, read in chunks so an oversized one is refused early."""
    limit = current_app.config["PHOTO_MAX_FILE_BYTES"]
    buffer = bytearray()
    if file.stream.seekable():
        file.stream.seek(0)  # the caller may have read it already, e.g. to hash it
    while chunk := file.stream.read(CHUNK_BYTES):
        buffer += chunk
        if len(buffer) > limit:
            raise PhotoError(
                _l(
                    "%(name)s is larger than %(size)s MB. Choose a smaller photo.",
                    name=name,
                    size=_lazy_decimal(round(limit / 1024 / 1024, 1)),
                ),
                413,
            )
    return bytes(buffer)


def _prepare(data: bytes, name: Text) -> _Prepared:
    max_pixels = current_app.config["PHOTO_MAX_PIXELS"]
    # Image.open() checks the declared size against this before decoding anything. It is
    # process-wide, like the warnings filter below; _decode() checks the size itself too,
    # so the limit holds even if another thread changes either.
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, name, max_pixels)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(name, max_pixels) from error
    except Exception as error:
        # Broken or hostile files make Pillow raise many kinds of error; all mean "unreadable".
        current_app.logger.info("unreadable photo upload refused: %r", error)
        raise _not_a_photo(name) from error


def _decode(data: bytes, name: Text, max_pixels: int) -> _Prepared:
    with Image.open(io.BytesIO(data)) as probe:
        _check_format(probe, name)
        if probe.width * probe.height > max_pixels:
            raise _too_many_pixels(name, max_pixels)
        probe.verify()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if image.getexif().get(ExifTags.Base.Orientation) in _ROTATED_ORIENTATIONS:
            width, height = height, width
        content_type, extension = ACCEPTED_FORMATS[image.format]
        display = _clean_copy(image)
    thumbnail = display.copy()
    thumbnail.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE), Image.Resampling.LANCZOS)
    return _Prepared(
        original=data,
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        display=_jpeg_bytes(display),
        thumbnail=_jpeg_bytes(thumbnail),
    )


def _check_format(image: Image.Image, name: Text) -> None:
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoError(
            _l(
                "%(name)s is not a JPEG, PNG or WebP photo. Choose a photo in one of "
                "those formats.",
                name=name,
            ),
            422,
        )


def _clean_copy(image: Image.Image) -> Image.Image:
    """Upright, sRGB, at most DISPLAY_MAX_SIDE, and with no metadata of any kind."""
    # For JPEG, decode at a reduced scale straight away: far less memory for big photos.
    image.draft("RGB", (DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
    image.load()
    upright = ImageOps.exif_transpose(image)
    rgb = _flatten(_to_srgb(upright))
    rgb.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)  # a fresh image: no EXIF, GPS, XMP, ICC or comments carried over
    return clean


def _to_srgb(image: Image.Image) -> Image.Image:
    """Phones often tag photos Display P3; convert so colours survive dropping the profile."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError):
        return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency composited on white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _jpeg_bytes(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return output.getvalue()


def _too_many_pixels(name: Text, max_pixels: int) -> PhotoError:
    return PhotoError(
        _l(
            "%(name)s has more than %(megapixels)s megapixels. Choose a smaller photo.",
            name=name,
            megapixels=_lazy_decimal(round(max_pixels / 1_000_000, 1)),
        ),
        422,
    )


def _not_a_photo(name: Text) -> PhotoError:
    return PhotoError(
        _l(
            "%(name)s is not a photo that can be read. Choose a JPEG, PNG or WebP photo.",
            name=name,
        ),
        422,
    )
