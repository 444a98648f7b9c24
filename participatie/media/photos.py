"""Reads a resident's photo: an accepted raster format, within limits, decoded in full and then
written anew from its pixels alone, so that nothing of the uploaded file but the picture survives.

The format is what the bytes say (Pillow opens only the accepted formats), never the file name or
a declared content type. The cheap refusals come first: the size in bytes before anything is
parsed, the size in pixels from the header before the pixel data is decoded (a decompression bomb
is a small file that would fill the memory). The whole picture is then decoded, so a truncated or
damaged file is refused instead of half-loaded (Pillow's LOAD_TRUNCATED_IMAGES must stay off),
turned upright by its EXIF orientation, and copied pixel by pixel into a new image that has no
EXIF (GPS, camera, author), XMP, ICC profile, comments or PNG text. That new image and its
thumbnail are what the platform keeps; the upload's file name is not even asked for, since it may
hold a name ("IMG_van_Jan_de_Vries.jpg").
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageFile, ImageOps

# Pillow logs every EXIF tag it reads, value and all (an author's name, a GPS position), at
# DEBUG. A platform running at DEBUG must not write what it strips from photos into its logs.
logging.getLogger("PIL").setLevel(logging.INFO)


def N_(message: str) -> str:
    """Mark a Dutch text for the catalogue; the page shows it in its own language."""
    return message


@dataclass(frozen=True)
class Problem:
    """Why a photo is refused: a code for machines, the text in English and in Dutch (the msgid)."""

    code: str
    english: str
    dutch: str


class PhotoError(ValueError):
    """A photo that cannot be used; `str()` is English, `dutch` the same in Dutch.

    `problem.dutch` with `params` is what a page translates through its catalogue; `code` is what
    the API answers.
    """

    def __init__(self, problem: Problem, **params: Any) -> None:
        self.problem = problem
        self.params = params
        super().__init__(problem.english % params)

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def dutch(self) -> str:
        return self.problem.dutch % self.params


NOT_AN_IMAGE = Problem(
    "not_an_image",
    "This file is not a photo. Send a photo in one of these formats: %(accepted)s.",
    N_("Dit bestand is geen foto. Stuur een foto in een van deze vormen: %(accepted)s."),
)
FORMAT_NOT_ACCEPTED = Problem(
    "format_not_accepted",
    "%(kind)s files cannot be used here. Send a photo in one of these formats: %(accepted)s.",
    N_("Een %(kind)s-bestand kan hier niet. Stuur een foto in een van deze vormen: %(accepted)s."),
)
TOO_LARGE = Problem(
    "too_large",
    "This photo is larger than %(most)s MB.",
    N_("Deze foto is groter dan %(most)s MB."),
)
TOO_MANY_PIXELS = Problem(
    "too_many_pixels",
    "This photo has too many pixels (at most %(megapixels)s megapixels and %(side)s pixels on"
    " a side).",
    N_(
        "Deze foto heeft te veel pixels (hoogstens %(megapixels)s megapixels en %(side)s pixels"
        " per zijde)."
    ),
)
DAMAGED = Problem(
    "damaged",
    "This photo is damaged or was not sent in full. Try again or choose another photo.",
    N_(
        "Deze foto is beschadigd of niet volledig verstuurd. Probeer het opnieuw of kies een"
        " andere foto."
    ),
)
TOO_MANY_PHOTOS = Problem(
    "too_many_photos",
    "You can send at most %(most)s photos; you chose %(count)s.",
    N_("U kunt hoogstens %(most)s foto's meesturen; u koos er %(count)s."),
)
PROBLEMS = (NOT_AN_IMAGE, FORMAT_NOT_ACCEPTED, TOO_LARGE, TOO_MANY_PIXELS, DAMAGED, TOO_MANY_PHOTOS)

# One upload's problem in a list of them: the page shows which photo it is about.
AT_POSITION_ENGLISH = "Photo %(position)s: %(problem)s"
AT_POSITION = N_("Foto %(position)s: %(problem)s")

# Pillow's name of each format that can be accepted -> what people call it, the MIME type and
# file extension of the clean copy, and how it is written. A JPEG stays a JPEG (also a camera's
# MPO, a JPEG with extra pictures behind the first), a PNG stays lossless.
FORMATS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "JPEG": ("JPEG", "image/jpeg", "jpg", {"quality": 85}),
    "PNG": ("PNG", "image/png", "png", {}),
    "WEBP": ("WebP", "image/webp", "webp", {"quality": 85}),
}
READ_AS = {"MPO": "JPEG"}
EXTENSIONS = {mime: extension for _, mime, extension, _ in FORMATS.values()}

# What Pillow's readers raise on bad data ("image file is truncated" is an OSError).
BAD_DATA = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error)
MILLION = 1_000_000  # bytes in a megabyte, pixels in a megapixel


@dataclass(frozen=True)
class PhotoLimits:
    """How many photos an initiative takes, and how large each may be."""

    max_photos: int = 4
    max_megabytes: int = 10
    max_megapixels: int = 40  # a 40 MP photo is 7,750 × 5,160; phones take 12 to 24 by default
    max_side: int = 10_000  # also bounds long thin strips that have few pixels in all
    thumbnail_side: int = 400
    formats: tuple[str, ...] = ("JPEG", "PNG", "WEBP")

    def __post_init__(self) -> None:
        unknown = sorted(set(self.formats) - set(FORMATS))
        if unknown or not self.formats:
            raise ValueError(f"photo formats must be some of {', '.join(FORMATS)}: {unknown}")

    @property
    def max_bytes(self) -> int:
        return self.max_megabytes * MILLION

    @property
    def accepted(self) -> str:
        """The accepted formats as people call them, for the messages."""
        return ", ".join(FORMATS[name][0] for name in self.formats)


@dataclass(frozen=True)
class Photo:
    """A photo as the platform keeps it: the picture written anew, its thumbnail, a checksum."""

    data: bytes = field(repr=False)
    mime: str
    width: int
    height: int
    thumbnail: bytes = field(repr=False)
    thumbnail_width: int
    thumbnail_height: int
    sha256: str

    def filename(self, position: int) -> str:
        """A name that says nothing about the sender, for downloads: foto-1.jpg."""
        return f"foto-{position}.{EXTENSIONS[self.mime]}"


def read_photo(data: bytes, limits: PhotoLimits) -> Photo:
    """The clean photo in `data`, or PhotoError saying why it cannot be used."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is on: damaged photos would pass")
    if len(data) > limits.max_bytes:
        raise PhotoError(TOO_LARGE, most=limits.max_megabytes)
    too_many_pixels = PhotoError(
        TOO_MANY_PIXELS, megapixels=limits.max_megapixels, side=limits.max_side
    )
    # Pillow warns about more than Image.MAX_IMAGE_PIXELS and refuses twice that; both are a
    # refusal here. (catch_warnings changes a global filter: a thread that reads a photo at the
    # same moment may see the warning raised too, which refuses the same photo it would refuse.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(limits.formats)) as image:
                width, height = image.size
                if width * height > limits.max_megapixels * MILLION:
                    raise too_many_pixels
                if max(width, height) > limits.max_side:
                    raise too_many_pixels
                kind = READ_AS.get(image.format or "", image.format or "")
                clean = _decoded_and_upright(image, keep_alpha=kind != "JPEG")
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels from None
        except Image.UnidentifiedImageError:
            raise _unidentified(data, limits) from None
        except BAD_DATA as error:  # a broken header, a truncated or damaged picture
            raise PhotoError(DAMAGED) from error
    return _photo(clean, kind, limits)


def read_photos(uploads: Sequence[bytes], limits: PhotoLimits) -> list[Photo]:
    """The clean photos of a form or request, in order; PhotosRefused names every bad one.

    More uploads than allowed are refused before any is read.
    """
    if len(uploads) > limits.max_photos:
        too_many = PhotoError(TOO_MANY_PHOTOS, most=limits.max_photos, count=len(uploads))
        raise PhotosRefused([UploadProblem(None, too_many)])
    photos: list[Photo] = []
    problems: list[UploadProblem] = []
    for position, data in enumerate(uploads, start=1):
        try:
            photos.append(read_photo(data, limits))
        except PhotoError as error:
            problems.append(UploadProblem(position, error))
    if problems:
        raise PhotosRefused(problems)
    return photos


@dataclass(frozen=True)
class UploadProblem:
    """What is wrong with the upload at `position` (1 is the first), or with the list (None)."""

    position: int | None
    error: PhotoError

    @property
    def english(self) -> str:
        return self._at_position(AT_POSITION_ENGLISH, str(self.error))

    @property
    def dutch(self) -> str:
        return self._at_position(AT_POSITION, self.error.dutch)

    def _at_position(self, template: str, problem: str) -> str:
        if self.position is None:
            return problem
        return template % {"position": self.position, "problem": problem}


class PhotosRefused(ValueError):
    """Some uploads of a list cannot be used; `problems` names each, in order. Nothing was kept."""

    def __init__(self, problems: Sequence[UploadProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.english for problem in self.problems))

    @property
    def dutch(self) -> str:
        return "; ".join(problem.dutch for problem in self.problems)


def _decoded_and_upright(image: Image.Image, keep_alpha: bool) -> Image.Image:
    """The first picture decoded in full, upright, copied into an image with no metadata at all."""
    image.load()  # every pixel: a truncated or damaged file fails here
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if keep_alpha and upright.has_transparency_data else "RGB"
    pixels = upright if upright.mode == mode else upright.convert(mode)
    clean = Image.new(mode, pixels.size)  # a new image: no info, no EXIF, no ICC profile
    clean.paste(pixels)
    return clean


def _photo(clean: Image.Image, kind: str, limits: PhotoLimits) -> Photo:
    _, mime, _, options = FORMATS[kind]
    data = _encoded(clean, kind, options)
    thumbnail = clean.copy()
    thumbnail.thumbnail((limits.thumbnail_side, limits.thumbnail_side))
    return Photo(
        data=data,
        mime=mime,
        width=clean.width,
        height=clean.height,
        thumbnail=_encoded(thumbnail, kind, options),
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _encoded(image: Image.Image, kind: str, options: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def _unidentified(data: bytes, limits: PhotoLimits) -> PhotoError:
    """Why Pillow found no accepted format in `data`, in words the sender understands."""
    kind = sniff(data)
    if kind in limits.formats:  # it starts like an accepted format, but its header is broken
        return PhotoError(DAMAGED)
    if kind is not None:
        name = FORMATS[kind][0] if kind in FORMATS else kind
        return PhotoError(FORMAT_NOT_ACCEPTED, kind=name, accepted=limits.accepted)
    return PhotoError(NOT_AN_IMAGE, accepted=limits.accepted)


# The first bytes of formats people send: only to say what was sent, Pillow decides what is read.
SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF-", "PDF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff(data: bytes) -> str | None:
    """The format the first bytes of `data` announce (Pillow's name where it has one), or None."""
    for signature, kind in SIGNATURES:
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return "AVIF" if brand in (b"avif", b"avis") else "HEIC" if brand in HEIF_BRANDS else None
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in head:
        return "SVG"
    return None
