"""CPU time the report form spends on photos it refuses (issue 13): the 429 case and the pixel limit.

    .venv/bin/python bench/public_doors.py [--data-dir var/bench-doors] [--repeat 3]

Sets up a fresh SQLite database in --data-dir with the catalog, then sends, in this process through
Django's test client, a report with three 40-megapixel PNGs (about 128 KB each, one colour):

- "429": after the one report this address may send (REPORT_RATE_PER_IP=1/600), so it is refused;
- "pixels": from another address, within its limit, so only the photo checks answer.

Prints the CPU seconds (time.process_time) and the status of each request.
"""

import argparse
import io
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-doors"))
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def png(megapixels=40):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8000, megapixels * 1_000_000 // 8000), (120, 130, 140)).save(out, "PNG")
    return out.getvalue()


def main():
    args = parse_args()
    shutil.rmtree(args.data_dir, ignore_errors=True)
    os.environ.update({
        "STADTLOTSE_DATA_DIR": args.data_dir, "DJANGO_SETTINGS_MODULE": "stadtlotse.settings",
        "STADTLOTSE_ALLOW_INSECURE_KEY": "true", "STADTLOTSE_REPORT_RATE_PER_IP": "1/600", "ALLOWED_HOSTS": "testserver",
        "STATIC_MANIFEST": "false", "LOG_LEVEL": "WARNING",
    })
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from stadtlotse.catalog.loading import load_catalog

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_catalog()
    content = png()
    print(f"photo: 40 MP PNG of {len(content) // 1024} KB, three per report")
    form = {
        "category": "abfall-sperrmuell", "shown_questions": "abfall-sperrmuell", "attribute[menge]": "klein",
        "description": "Ein altes Sofa und zwei Matratzen stehen seit Tagen am Gehweg.",
        "lat": "52.4869", "lon": "13.4247", "email": "", "preferred": "email",
    }
    client = Client(enforce_csrf_checks=False)
    first = client.post("/melden", form, REMOTE_ADDR="192.0.2.1")
    print(f"first report from 192.0.2.1: {first.status_code}")
    for case, address in (("429", "192.0.2.1"), ("pixels", None)):
        for number in range(args.repeat):
            photos = [SimpleUploadedFile(f"{i}.png", content, "image/png") for i in range(3)]
            started = time.process_time()
            response = client.post("/melden", {**form, "photos": photos},
                                   REMOTE_ADDR=address or f"192.0.2.{100 + number}")
            print(f"{case}: status {response.status_code}, {time.process_time() - started:.3f} CPU s")


if __name__ == "__main__":
    main()
