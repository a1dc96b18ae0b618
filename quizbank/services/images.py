"""Question images: accepted by content (PNG, JPEG, WebP), not by name; size-limited; stored once."""

from __future__ import annotations

import hashlib
import io

from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from sqlalchemy import select

from quizbank.errors import DomainError
from quizbank.extensions import db
from quizbank.models import Image

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def store_image(data: bytes, *, uploaded_by: int) -> Image:
    """Checks an upload and stores it (inside the caller's transaction); the same bytes are stored once."""
    if not data:
        raise DomainError("The image file is empty.")
    if len(data) > MAX_BYTES:
        raise DomainError(f"The image is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        with PILImage.open(io.BytesIO(data)) as picture:
            width, height = picture.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError("The file is not a PNG, JPEG or WebP image.") from None
    if kind not in FORMATS:
        raise DomainError("Only PNG, JPEG or WebP images are accepted.")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise DomainError(f"The image is larger than {MAX_SIDE} pixels on a side.")
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(Image).where(Image.sha256 == digest))
    if existing is not None:
        return existing
    image = Image(sha256=digest, media_type=FORMATS[kind], width=width, height=height, data=data,
                  uploaded_by_id=uploaded_by)
    db.session.add(image)
    db.session.flush()
    return image


def image_by_hash(digest: str) -> Image | None:
    return db.session.scalar(select(Image).where(Image.sha256 == digest))
