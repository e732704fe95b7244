"""Photo uploads: real images accepted and cleaned, anything else refused, served only to
officers who may see the visit."""

import io
import random
import uuid

from PIL import Image

from housing_app.extensions import db
from housing_app.models import ProcessPhoto
from housing_app.services.storage import get_storage
from tests.conftest import make_user
from tests.html import error_summary, parse
from tests.processes.conftest import client_for, fresh_get, image_bytes
from tests.processes.test_answers import stored

GPS_IFD = 0x8825


def jpeg_with_location() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Tablet camera"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 32.0, 44.0)
    gps[3] = "W"
    gps[4] = (0.0, 3.0, 20.0)
    data = image_bytes("JPEG", size=(800, 600), exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD), "the test image must carry a location"
    return data


def upload(client, process, files, data=None, page_key="tenant-photo", action="later"):
    form = {"tenantPhotoConsent": "yes", "action": action, **(data or {})}
    form["tenantPhoto"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        f"/processes/{process.id}/pages/{page_key}", data=form, content_type="multipart/form-data"
    )


def test_a_real_photo_is_stored_without_location_data_and_with_a_thumbnail(officer_client, thc):
    response = upload(officer_client, thc, [("IMG_0001.JPG", jpeg_with_location())])
    assert response.status_code == 302, response.get_data(as_text=True)
    photo_ids = stored(thc)[("tenantPhoto", None)]
    assert len(photo_ids) == 1
    photo = db.session.get(ProcessPhoto, uuid.UUID(photo_ids[0]))
    saved = Image.open(io.BytesIO(get_storage().read(photo.storage_key)))
    assert saved.format == "JPEG" and saved.size == (800, 600)
    assert not saved.getexif().get_ifd(GPS_IFD) and len(saved.getexif()) == 0
    thumbnail = Image.open(io.BytesIO(get_storage().read(photo.thumbnail_key)))
    assert max(thumbnail.size) <= 320

    served = officer_client.get(f"/processes/{thc.id}/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "private, no-store"
    assert officer_client.get(
        f"/processes/{thc.id}/photos/{photo.id}?size=thumbnail"
    ).data == get_storage().read(photo.thumbnail_key)
    page = parse(officer_client.get(f"/processes/{thc.id}/pages/tenant-photo"))
    assert page.select_one(f"img[src='/processes/{thc.id}/photos/{photo.id}?size=thumbnail']")


def test_png_is_accepted_as_png(officer_client, thc):
    assert upload(officer_client, thc, [("scan.png", image_bytes("PNG"))]).status_code == 302
    photo = db.session.scalars(db.select(ProcessPhoto)).one()
    assert photo.content_type == "image/png" and photo.storage_key.endswith(".png")


def test_a_text_file_named_jpg_is_refused(officer_client, thc):
    response = upload(officer_client, thc, [("photo.jpg", b"this is not really a photo\n" * 20)])
    assert response.status_code == 200
    assert error_summary(parse(response)) == [
        "The selected file must be a JPG, PNG or WEBP image (photo.jpg)"
    ]
    assert db.session.scalars(db.select(ProcessPhoto)).all() == []
    assert ("tenantPhoto", None) not in stored(thc)
    assert stored(thc)[("tenantPhotoConsent", None)] == "yes"  # the rest of the page is kept


def test_a_gif_is_refused_even_though_it_is_an_image(officer_client, thc):
    response = upload(officer_client, thc, [("anim.gif", image_bytes("GIF"))])
    assert "must be a JPG, PNG or WEBP image" in error_summary(parse(response))[0]


def test_a_photo_over_the_size_limit_is_refused(app, officer_client, thc):
    app.config["MAX_PHOTO_BYTES"] = 2000
    try:
        noisy = Image.frombytes("RGB", (100, 100), random.Random(5).randbytes(100 * 100 * 3))
        buffer = io.BytesIO()
        noisy.save(buffer, format="PNG")
        big = buffer.getvalue()
        assert len(big) > 2000 and Image.open(io.BytesIO(big)).format == "PNG"
        response = upload(officer_client, thc, [("big.png", big)])
        assert "must be smaller than" in error_summary(parse(response))[0]
    finally:
        app.config.pop("MAX_PHOTO_BYTES")


def test_photos_can_be_removed(officer_client, thc):
    upload(officer_client, thc, [("a.jpg", image_bytes())], page_key="tenant-photo")
    photo_id = stored(thc)[("tenantPhoto", None)][0]
    response = officer_client.post(
        f"/processes/{thc.id}/pages/tenant-photo",
        data={"tenantPhotoConsent": "yes", "tenantPhoto__remove": photo_id, "action": "later"},
    )
    assert response.status_code == 302
    assert ("tenantPhoto", None) not in stored(thc)


def test_required_photo_must_be_uploaded_to_continue(officer_client, thc):
    response = upload(officer_client, thc, [], action="continue")
    assert error_summary(parse(response)) == ["Upload a photo for ‘Photo of the tenant’"]


def test_too_many_photos_are_refused(officer_client, thc):
    response = upload(officer_client, thc, [("a.jpg", image_bytes()), ("b.jpg", image_bytes())])
    assert error_summary(parse(response)) == ["Upload 1 photo or fewer for ‘Photo of the tenant’"]


def test_photos_are_only_served_to_officers_who_may_see_the_visit(app, officer_client, thc):
    upload(officer_client, thc, [("a.jpg", image_bytes())])
    photo_id = stored(thc)[("tenantPhoto", None)][0]
    url = f"/processes/{thc.id}/photos/{photo_id}"
    assert fresh_get(app, app.test_client(), url).status_code == 302  # to sign in
    other = client_for(app, make_user("officer", team="Estate team south"))
    assert fresh_get(app, other, url).status_code == 404


def test_the_photo_hint_gives_the_limits_each_photo_and_each_save(app, officer_client, thc):
    page = parse(officer_client.get(f"/processes/{thc.id}/pages/kitchen"))
    hint = page.select_one("#kitchenPhotos-hint").text
    each, total = app.config.get("MAX_PHOTO_BYTES", 10 * 1024 * 1024), app.config["MAX_CONTENT_LENGTH"]
    assert f"up to {each // (1024 * 1024)}MB each" in hint
    assert f"{total // (1024 * 1024)}MB in all each time you save" in hint
