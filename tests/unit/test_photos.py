"""A resident's photo is kept as its pixels only; a wrong or hostile file is refused with a reason.

Every picture is made here with Pillow in memory; the large ones are PNGs built chunk by chunk,
a few kilobytes that say 20,000 × 20,000 pixels.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import struct
import time
import zlib
from dataclasses import fields
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageFile
from PIL.PngImagePlugin import PngInfo

from participatie.media.photos import (
    AT_POSITION,
    AT_POSITION_ENGLISH,
    PROBLEMS,
    Photo,
    PhotoError,
    PhotoLimits,
    PhotosRefused,
    read_photo,
    read_photos,
    sniff,
)

LIMITS = PhotoLimits()
CANARY = "Kanarie Vogelsang"
RED, BLUE = (220, 20, 20), (20, 20, 220)


def traces(data: bytes) -> list[str]:
    """The encodings in which the canary's name appears in `data`, in any letter case."""
    haystack = data.lower()
    return [
        encoding
        for encoding in ("utf-8", "utf-16-le", "utf-16-be")
        if CANARY.lower().encode(encoding) in haystack
    ]


def two_colours(width: int, height: int) -> Image.Image:
    """Red on the left half, blue on the right: shows which way a picture was turned."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(Image.new("RGB", (width // 2, height), RED), (0, 0))
    return image


def noise(width: int, height: int) -> Image.Image:
    """A picture that does not compress: its JPEG is tens of kilobytes, to cut in half."""
    return Image.frombytes("RGB", (width, height), random.Random(23).randbytes(width * height * 3))


def camera_jpeg(orientation: int = 6) -> bytes:
    """A 60 × 40 JPEG as a phone writes it: the author, GPS and a turn in EXIF, XMP, ICC, comment.

    Orientation 6: the camera was held upright, so the picture must be turned 90° clockwise.
    """
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = CANARY
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.XPAuthor] = CANARY.encode("utf-16-le") + b"\x00\x00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 10.0)
    buffer = io.BytesIO()
    two_colours(60, 40).save(
        buffer,
        "JPEG",
        exif=exif,
        xmp=f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{CANARY}</dc:creator>'.encode(),
        icc_profile=b"not a real profile, made by " + CANARY.encode(),
        comment=f"Foto van {CANARY}, Dorpsstraat 1",
    )
    return buffer.getvalue()


def png_with_text(image: Image.Image | None = None) -> bytes:
    info = PngInfo()
    info.add_text("Author", CANARY)
    info.add_itxt("Comment", f"Tuin van {CANARY}")
    buffer = io.BytesIO()
    (image or two_colours(30, 20)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def webp_with_metadata() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = CANARY
    buffer = io.BytesIO()
    two_colours(30, 20).save(
        buffer,
        "WEBP",
        exif=exif,
        xmp=f"<x:xmpmeta><dc:creator>{CANARY}</dc:creator></x:xmpmeta>".encode(),
    )
    return buffer.getvalue()


def saved(image: Image.Image, kind: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def crafted_png(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG of any size, built chunk by chunk: a bomb of a few kilobytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then 8 pixels a byte
    compressor = zlib.compressobj(9)
    rows = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def half(data: bytes) -> bytes:
    """The first half of a file, as when an upload breaks off."""
    return data[: len(data) // 2]


def broken_header_checksum(png: bytes) -> bytes:
    """The PNG with one bit of its IHDR checksum (bytes 29 to 32) flipped."""
    return png[:29] + bytes([png[29] ^ 1]) + png[30:]


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refusal(data: bytes, limits: PhotoLimits = LIMITS) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        read_photo(data, limits)
    return caught.value


def forbid_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to decode pixel data fail the test."""

    def decode(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)


# What Pillow reports of the clean copies it reads back: format details, never metadata.
# JPEG: the JFIF header; WebP: the animation fields Pillow gives every WebP (one frame here).
HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density"} | {
    "background",
    "duration",
    "loop",
    "timestamp",
}


@pytest.mark.parametrize(
    ("original", "mime", "size"),
    [
        (camera_jpeg, "image/jpeg", (40, 60)),
        (png_with_text, "image/png", (30, 20)),
        (webp_with_metadata, "image/webp", (30, 20)),
    ],
)
def test_nothing_but_the_pixels_survives(original: Any, mime: str, size: tuple[int, int]) -> None:
    data = original()
    assert traces(data) != []
    photo = read_photo(data, LIMITS)
    assert (photo.mime, photo.width, photo.height) == (mime, *size)
    for written in (photo.data, photo.thumbnail):
        assert traces(written) == []
        image = reopened(written)
        assert set(image.info) <= HARMLESS_INFO
        assert dict(image.getexif()) == {}
        assert getattr(image, "text", {}) == {}


def test_the_camera_jpeg_carries_everything_that_must_go() -> None:
    """The fixture itself: author, GPS, orientation, XMP, ICC and comment are really in it."""
    image = reopened(camera_jpeg())
    exif = image.getexif()
    assert exif[ExifTags.Base.Artist] == CANARY
    assert exif[ExifTags.Base.Orientation] == 6
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert {"exif", "xmp", "icc_profile", "comment"} <= set(image.info)
    assert traces(camera_jpeg()) == ["utf-8", "utf-16-le"]


def test_the_photo_is_turned_upright_by_its_exif_orientation() -> None:
    photo = read_photo(camera_jpeg(orientation=6), LIMITS)
    image = reopened(photo.data).convert("RGB")
    assert image.size == (40, 60)
    # The left (red) half was turned 90° clockwise: it is now the top half.
    top, bottom = image.getpixel((20, 5)), image.getpixel((20, 55))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 180 and top[2] < 80
    assert bottom[0] < 80 and bottom[2] > 180


def test_a_photo_without_a_turn_keeps_its_shape() -> None:
    photo = read_photo(camera_jpeg(orientation=1), LIMITS)
    assert (photo.width, photo.height) == (60, 40)


@pytest.mark.parametrize(
    ("size", "thumbnail"),
    [((1200, 900), (400, 300)), ((500, 1000), (200, 400)), ((200, 100), (200, 100))],
)
def test_the_thumbnail_fits_in_400_pixels_and_is_never_enlarged(
    size: tuple[int, int], thumbnail: tuple[int, int]
) -> None:
    photo = read_photo(saved(two_colours(*size), "JPEG"), LIMITS)
    assert (photo.width, photo.height) == size
    assert (photo.thumbnail_width, photo.thumbnail_height) == thumbnail
    assert reopened(photo.thumbnail).size == thumbnail


def test_the_photo_keeps_no_name_and_gives_a_neutral_one() -> None:
    assert [f.name for f in fields(Photo)] == [
        "data",
        "mime",
        "width",
        "height",
        "thumbnail",
        "thumbnail_width",
        "thumbnail_height",
        "sha256",
    ]
    jpeg, png, webp = read_photos([camera_jpeg(), png_with_text(), webp_with_metadata()], LIMITS)
    assert (jpeg.filename(1), png.filename(2), webp.filename(3)) == (
        "foto-1.jpg",
        "foto-2.png",
        "foto-3.webp",
    )
    assert "data=" not in repr(jpeg) and "thumbnail=" not in repr(jpeg)


def test_the_checksum_is_of_the_clean_bytes_and_the_same_each_time() -> None:
    first, again = read_photo(camera_jpeg(), LIMITS), read_photo(camera_jpeg(), LIMITS)
    assert first.sha256 == hashlib.sha256(first.data).hexdigest()
    assert first.sha256 != hashlib.sha256(camera_jpeg()).hexdigest()
    assert (first.data, first.sha256) == (again.data, again.sha256)


def transparent_rgba() -> Image.Image:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.putpixel((5, 5), (10, 200, 10, 255))
    return image


def transparent_palette() -> Image.Image:
    """Index 0 (black) is transparent; one pixel has index 1 (green)."""
    image = Image.new("P", (10, 10), 0)
    image.putpalette([0, 0, 0, 10, 200, 10])
    image.putpixel((5, 5), 1)
    image.info["transparency"] = 0
    return image


@pytest.mark.parametrize("image", [transparent_rgba(), transparent_palette()])
def test_transparency_in_a_png_is_kept(image: Image.Image) -> None:
    clean = reopened(read_photo(saved(image, "PNG"), LIMITS).data)
    assert (clean.mode, clean.getpixel((0, 0)), clean.getpixel((5, 5))) == (
        "RGBA",
        (0, 0, 0, 0),
        (10, 200, 10, 255),
    )


def test_a_camera_mpo_is_read_as_a_jpeg_of_its_first_picture() -> None:
    first, second = Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), BLUE)
    mpo = saved(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"
    photo = read_photo(mpo, LIMITS)
    pixel = reopened(photo.data).getpixel((20, 15))
    assert photo.mime == "image/jpeg" and isinstance(pixel, tuple)
    assert pixel[0] > 180 and pixel[2] < 80


def test_the_crafted_png_is_a_real_png() -> None:
    photo = read_photo(crafted_png(300, 200), LIMITS)
    assert (photo.mime, photo.width, photo.height) == ("image/png", 300, 200)


SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
  <script>fetch('/api/v1/me').then(r => r.text()).then(alert)</script>
  <rect width="10" height="10" fill="red"/>
</svg>"""


def animated_gif() -> bytes:
    frames = [Image.new("P", (10, 10), colour) for colour in (1, 2, 3)]
    return saved(frames[0], "GIF", save_all=True, append_images=frames[1:])


@pytest.mark.parametrize(
    ("data", "code", "dutch"),
    [
        (
            b"Boodschappen: melk, brood, kaas.\n",
            "not_an_image",
            "Dit bestand is geen foto. Stuur een foto in een van deze vormen: JPEG, PNG, WebP.",
        ),
        (b"", "not_an_image", None),
        (
            SVG,
            "format_not_accepted",
            "Een SVG-bestand kan hier niet. Stuur een foto in een van deze vormen: JPEG, PNG,"
            " WebP.",
        ),
        (
            SVG.replace(b"<script>", b"<!-- none --><x>").replace(b"</script>", b"</x>"),
            "format_not_accepted",
            None,
        ),
        (animated_gif(), "format_not_accepted", None),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "format_not_accepted", None),
        (
            half(saved(noise(256, 256), "JPEG")),
            "damaged",
            "Deze foto is beschadigd of niet volledig verstuurd. Probeer het opnieuw of kies een"
            " andere foto.",
        ),
        (half(saved(noise(64, 64), "PNG")), "damaged", None),
        (b"\xff\xd8\xff\xe0" + b"geen jpeg" * 20, "damaged", None),
        (b"\x89PNG\r\n\x1a\n" + b"kapot" * 20, "damaged", None),
        (broken_header_checksum(png_with_text()), "damaged", None),
        (half(webp_with_metadata()), "damaged", None),
        (
            crafted_png(20_000, 20_000),
            "too_many_pixels",
            "Deze foto heeft te veel pixels (hoogstens 40 megapixels en 10000 pixels per zijde).",
        ),
        (crafted_png(9_000, 5_000), "too_many_pixels", None),
        (crafted_png(12_000, 100), "too_many_pixels", None),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(data: bytes, code: str, dutch: str | None) -> None:
    error = refusal(data)
    assert error.code == code
    if dutch is not None:
        assert error.dutch == dutch


def test_the_truncated_jpeg_was_a_good_one_before_it_was_cut() -> None:
    whole = saved(noise(256, 256), "JPEG")
    assert len(whole) > 12_000
    assert read_photo(whole, LIMITS).width == 256


def test_too_many_pixels_are_refused_from_the_header_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forbid_decoding(monkeypatch)
    for data in (crafted_png(20_000, 20_000), crafted_png(9_000, 5_000)):
        assert refusal(data).code == "too_many_pixels"


def test_pillows_bomb_warning_is_a_refusal_even_under_generous_limits() -> None:
    """100 MP is over Pillow's warning (89 MP) and under its own refusal (179 MP)."""
    generous = PhotoLimits(max_megapixels=150, max_side=20_000)
    assert refusal(crafted_png(10_000, 10_000), generous).code == "too_many_pixels"


def test_a_30_mb_file_is_refused_before_it_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Image, "open", never)
    started = time.perf_counter()
    error = refusal(b"\xff\xd8\xff\xe0" + bytes(30_000_000))
    assert time.perf_counter() - started < 1.0
    assert (error.code, error.dutch, str(error)) == (
        "too_large",
        "Deze foto is groter dan 10 MB.",
        "This photo is larger than 10 MB.",
    )


def test_a_file_of_exactly_the_limit_is_read() -> None:
    small = PhotoLimits(max_megabytes=1)
    data = png_with_text()
    padded = data + bytes(1_000_000 - len(data))  # after IEND: ignored by the PNG reader
    assert read_photo(padded, small).mime == "image/png"
    assert refusal(padded + b"\x00", small).code == "too_large"


def test_a_format_left_out_of_the_limits_is_refused_by_its_name() -> None:
    no_webp = PhotoLimits(formats=("JPEG", "PNG"))
    error = refusal(webp_with_metadata(), no_webp)
    assert (error.code, error.dutch) == (
        "format_not_accepted",
        "Een WebP-bestand kan hier niet. Stuur een foto in een van deze vormen: JPEG, PNG.",
    )
    assert str(error) == (
        "WebP files cannot be used here. Send a photo in one of these formats: JPEG, PNG."
    )


def test_loading_truncated_images_must_stay_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        read_photo(camera_jpeg(), LIMITS)


def test_limits_name_only_formats_that_can_be_read() -> None:
    with pytest.raises(ValueError, match="GIF"):
        PhotoLimits(formats=("JPEG", "GIF"))
    with pytest.raises(ValueError):
        PhotoLimits(formats=())


@pytest.mark.parametrize(
    ("start", "kind"),
    [
        (b"\xff\xd8\xff\xdb", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"GIF89a", "GIF"),
        (b"\x00\x00\x00\x18ftypheic", "HEIC"),
        (b"\x00\x00\x00\x1cftypavif", "AVIF"),
        (b"II*\x00", "TIFF"),
        (b"%PDF-1.4", "PDF"),
        (b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b"<?xml version='1.0'?><note>geen svg</note>", None),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"Beste gemeente,", None),
    ],
)
def test_sniff_names_what_was_sent(start: bytes, kind: str | None) -> None:
    assert sniff(start) == kind


def test_a_list_of_good_photos_is_read_in_order() -> None:
    photos = read_photos([camera_jpeg(), png_with_text()], LIMITS)
    assert [(p.mime, p.width, p.height) for p in photos] == [
        ("image/jpeg", 40, 60),
        ("image/png", 30, 20),
    ]
    assert read_photos([], LIMITS) == []


def test_more_photos_than_allowed_are_refused_before_any_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uploads = [png_with_text()] * 5
    forbid_decoding(monkeypatch)
    with pytest.raises(PhotosRefused) as caught:
        read_photos(uploads, LIMITS)
    (problem,) = caught.value.problems
    assert (problem.position, problem.error.code, problem.dutch, problem.english) == (
        None,
        "too_many_photos",
        "U kunt hoogstens 4 foto's meesturen; u koos er 5.",
        "You can send at most 4 photos; you chose 5.",
    )


def test_every_bad_upload_is_named_by_its_position() -> None:
    uploads = [camera_jpeg(), b"geen foto", png_with_text(), SVG]
    with pytest.raises(PhotosRefused) as caught:
        read_photos(uploads, LIMITS)
    refused = caught.value
    assert [(p.position, p.error.code) for p in refused.problems] == [
        (2, "not_an_image"),
        (4, "format_not_accepted"),
    ]
    assert refused.problems[0].dutch == (
        "Foto 2: Dit bestand is geen foto. Stuur een foto in een van deze vormen: JPEG, PNG, WebP."
    )
    assert refused.problems[1].english == (
        "Photo 4: SVG files cannot be used here. Send a photo in one of these formats: JPEG, PNG,"
        " WebP."
    )
    assert refused.dutch.count("Foto ") == 2


def test_every_problem_has_its_own_code_and_the_same_placeholders_in_both_languages() -> None:
    assert [problem.code for problem in PROBLEMS] == [
        "not_an_image",
        "format_not_accepted",
        "too_large",
        "too_many_pixels",
        "damaged",
        "too_many_photos",
    ]
    placeholder = re.compile(r"%\(\w+\)s")
    for english, dutch in [(p.english, p.dutch) for p in PROBLEMS] + [
        (AT_POSITION_ENGLISH, AT_POSITION)
    ]:
        assert sorted(placeholder.findall(english)) == sorted(placeholder.findall(dutch)), dutch
