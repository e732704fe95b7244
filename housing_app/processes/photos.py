"""Photos taken during a visit: checked by content (Pillow), never trusted by name; re-encoded
so no metadata (EXIF, GPS location) survives; stored with a thumbnail through services.storage."""

import base64
import binascii
import io
import warnings

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from housing_app.extensions import db
from housing_app.models import Process, ProcessPhoto
from housing_app.services.storage import get_storage

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
DEFAULT_MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
THUMBNAIL_SIZE = (320, 320)
LARGEST_SIDE = 2400


class PhotoError(ValueError):
    """An upload that is not an acceptable photo; the message is for the officer."""


class PhotoTooLarge(PhotoError):
    """Over MAX_PHOTO_BYTES, or too many pixels."""


class NotAPhoto(PhotoError):
    """Not a JPG, PNG or WEBP image, judged by its content."""


def max_photo_bytes() -> int:
    return current_app.config.get("MAX_PHOTO_BYTES", DEFAULT_MAX_PHOTO_BYTES)


def _open_image(data: bytes) -> Image.Image:
    limit = max_photo_bytes()
    if len(data) > limit:
        raise PhotoTooLarge(f"The selected file must be smaller than {limit // (1024 * 1024) or 1}MB")
    if not data:
        raise PhotoError("The selected file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise NotAPhoto("The selected file must be a JPG, PNG or WEBP image")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoTooLarge("The selected image is too large (too many pixels)")
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning):
        raise NotAPhoto("The selected file must be a JPG, PNG or WEBP image") from None
    return image


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Write pixels only: a new image file carries no EXIF, GPS or other metadata."""
    buffer = io.BytesIO()
    if image_format != "PNG":
        image = image.convert("RGB")
    clean = Image.new(image.mode, image.size)  # a fresh image: no info, EXIF or text chunks
    clean.paste(image)
    if image_format == "PNG":
        clean.save(buffer, format="PNG", optimize=True)
    else:
        clean.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def store_photo(process: Process, data: bytes) -> ProcessPhoto:
    """Check, clean and store an uploaded photo for `process`; PhotoError if it is not one."""
    image = _open_image(data)
    source_format = image.format
    image = ImageOps.exif_transpose(image)  # keep the picture the right way up once EXIF is gone
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    image.thumbnail((LARGEST_SIDE, LARGEST_SIDE))
    output_format = "PNG" if source_format == "PNG" else "JPEG"
    content_type, extension = ("image/png", "png") if output_format == "PNG" else ("image/jpeg", "jpg")
    cleaned = _encode(image, output_format)
    thumbnail = image.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    thumbnail_bytes = _encode(thumbnail, output_format)
    storage = get_storage()
    stored = storage.save(cleaned, "photos", extension)
    stored_thumbnail = storage.save(thumbnail_bytes, "thumbnails", extension)
    photo = ProcessPhoto(
        process_id=process.id,
        storage_key=stored.key,
        thumbnail_key=stored_thumbnail.key,
        content_type=content_type,
        size=stored.size,
        width=image.width,
        height=image.height,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def store_drawn_signature(process: Process, data_url: str) -> ProcessPhoto:
    """A signature drawn on screen arrives as a PNG data URL from the canvas."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise PhotoError("The drawn signature could not be read; draw it again or leave it blank")
    try:
        data = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise PhotoError("The drawn signature could not be read; draw it again or leave it blank") from None
    return store_photo(process, data)
