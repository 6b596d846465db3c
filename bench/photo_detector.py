"""Recall of the face and number-plate detector (stadtlotse/media/redaction.py) on a generated test set.

    .venv/bin/python bench/photo_detector.py [--seed 7] [--save-dir /tmp/detector-set]

The test set is made here from photographs we may use (stadtlotse/media/tests/data, public domain
and CC0, see the README there), so it can be rebuilt anywhere:

- faces: the two real faces (astronaut.jpg, camera.jpg), cropped as head and shoulders and placed
  on street-like backgrounds at face widths of 24 to 240 pixels, mirrored or not, darker or lighter,
  tilted by up to 15°;
- number plates: German-style plates (white, black border, blue EU band with "D", "B-SL 1234"
  in DejaVu Sans Bold Condensed, as FE-Schrift is not free) drawn onto the same backgrounds at
  widths of 60 to 360 pixels, tilted by up to 10°;
- negatives: the backgrounds alone, to count boxes where there is nothing to blur.

Each picture is 1600×1200, the public size the detector runs at. A face or plate counts as found
when a box of the right kind covers at least half of it. Prints recall per kind and size, the
false boxes per empty picture and the time per picture.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont  # noqa: E402

from stadtlotse.media import redaction  # noqa: E402

DATA = ROOT / "stadtlotse" / "media" / "tests" / "data"
SIZE = (1600, 1200)
# Head-and-shoulders crops and the face inside each crop (left, top, right, bottom), measured by eye.
PEOPLE = [
    ("astronaut.jpg", (130, 20, 330, 260), (180, 70, 270, 165)),
    ("camera.jpg", (120, 30, 340, 280), (175, 85, 280, 200)),
]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"
FACE_WIDTHS = [24, 32, 48, 64, 96, 128, 180, 240]
PLATE_WIDTHS = [60, 90, 120, 160, 220, 280, 360]
LETTERS = "ABCDEFGHKLMNPRSTUVWXYZ"


def backgrounds(rng, count):
    """Street-like scenes: the coffee photo enlarged, grey asphalt noise and walls, blurred a little."""
    coffee = Image.open(DATA / "coffee.jpg").convert("RGB")
    scenes = []
    for number in range(count):
        if number % 3 == 0:
            scene = coffee.resize(SIZE)
        else:
            grey = rng.randint(70, 170)
            scene = Image.effect_noise(SIZE, rng.randint(10, 40)).convert("RGB")
            scene = Image.blend(scene, Image.new("RGB", SIZE, (grey, grey, grey - 10)), 0.6)
            draw = ImageDraw.Draw(scene)
            for _ in range(rng.randint(3, 8)):  # walls, kerbs, windows
                x, y = rng.randint(0, SIZE[0]), rng.randint(0, SIZE[1])
                shade = rng.randint(40, 220)
                draw.rectangle((x, y, x + rng.randint(50, 600), y + rng.randint(20, 400)), fill=(shade, shade, shade))
            scene = scene.filter(ImageFilter.GaussianBlur(1))
        scenes.append(scene)
    return scenes


def plate_image(rng, width):
    height = round(width * 110 / 520)
    scale = 4  # drawn large, then reduced: smooth edges like a photo
    w, h = width * scale, height * scale
    plate = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(plate)
    draw.rectangle((0, 0, w - 1, h - 1), outline="black", width=max(2, h // 25))
    band = round(w * 40 / 520)
    draw.rectangle((0, 0, band, h), fill=(0, 51, 153))
    font_small = ImageFont.truetype(FONT, max(8, h // 3))
    draw.text((band / 2, h * 0.72), "D", font=font_small, fill="white", anchor="mm")
    text = f"{rng.choice(['B', 'M', 'HH', 'K', 'HAM'])}-{rng.choice(LETTERS)}{rng.choice(LETTERS)} {rng.randint(1, 9999)}"
    font = ImageFont.truetype(FONT, round(h * 0.75))
    draw.text(((w + band) / 2, h / 2), text, font=font, fill="black", anchor="mm")
    return plate.resize((width, height), Image.Resampling.LANCZOS)


def place(scene, picture, rng, angle):
    """Paste picture rotated by angle at a random spot; returns its box in the scene."""
    rotated = picture.convert("RGBA").rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    x = rng.randint(0, SIZE[0] - rotated.width)
    y = rng.randint(0, SIZE[1] - rotated.height)
    scene.paste(rotated, (x, y), rotated)
    return x, y, rotated


def face_sample(rng, scene, file, crop, face, face_width):
    person = Image.open(DATA / file).convert("RGB").crop(crop)
    factor = face_width / (face[2] - face[0])
    person = person.resize((round(person.width * factor), round(person.height * factor)), Image.Resampling.LANCZOS)
    mirrored = rng.random() < 0.5
    if mirrored:
        person = person.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    person = ImageEnhance.Brightness(person).enhance(rng.uniform(0.6, 1.3))
    angle = rng.uniform(-15, 15)
    x, y, _ = place(scene, person, rng, angle)
    left = (crop[2] - face[2]) if mirrored else (face[0] - crop[0])
    # Box of the face before rotation, grown by the rotation's reach: a fair target for a detector.
    fx, fy = x + left * factor, y + (face[1] - crop[1]) * factor
    fw, fh = (face[2] - face[0]) * factor, (face[3] - face[1]) * factor
    return (fx, fy, fx + fw, fy + fh)


def covered(target, boxes, kind):
    """Whether a box of this kind covers at least half of the target."""
    tx0, ty0, tx1, ty1 = target
    area = (tx1 - tx0) * (ty1 - ty0)
    for box in boxes:
        if box["kind"] != kind:
            continue
        # Padding as the blur applies it.
        pad_x, pad_y = box["w"] * redaction.PADDING, box["h"] * redaction.PADDING
        bx0, by0 = box["x"] - pad_x, box["y"] - pad_y
        bx1, by1 = box["x"] + box["w"] + pad_x, box["y"] + box["h"] + pad_y
        overlap = max(0, min(tx1, bx1) - max(tx0, bx0)) * max(0, min(ty1, by1) - max(ty0, by0))
        if overlap >= area / 2:
            return True
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-size", type=int, default=6, help="pictures per kind and size")
    parser.add_argument("--save-dir", default="", help="also write the generated pictures here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scenes = backgrounds(rng, 12)
    found = {}
    times = []
    false_boxes = []
    save = Path(args.save_dir) if args.save_dir else None
    if save:
        save.mkdir(parents=True, exist_ok=True)

    def detect(picture, name):
        if save:
            picture.save(save / f"{name}.jpg", quality=85)
        started = time.perf_counter()
        boxes = redaction.find_faces_and_plates(picture)
        times.append(time.perf_counter() - started)
        return boxes

    redaction.find_faces_and_plates(scenes[0])  # loads the cascades once, not timed
    for width in FACE_WIDTHS:
        for number in range(args.per_size):
            file, crop, face = PEOPLE[number % len(PEOPLE)]
            scene = scenes[rng.randrange(len(scenes))].copy()
            target = face_sample(rng, scene, file, crop, face, width)
            hit = covered(target, detect(scene, f"face-{width}-{number}"), "face")
            found.setdefault(("face", width), []).append(hit)
    for width in PLATE_WIDTHS:
        for number in range(args.per_size):
            scene = scenes[rng.randrange(len(scenes))].copy()
            x, y, rotated = place(scene, plate_image(rng, width), rng, rng.uniform(-10, 10))
            hit = covered((x, y, x + rotated.width, y + rotated.height), detect(scene, f"plate-{width}-{number}"), "plate")
            found.setdefault(("plate", width), []).append(hit)
    for number, scene in enumerate(scenes):
        false_boxes.append(len(detect(scene, f"empty-{number}")))

    for kind in ("face", "plate"):
        hits = [h for (k, _w), values in found.items() if k == kind for h in values]
        print(f"{kind}s: recall {sum(hits)}/{len(hits)} = {sum(hits) / len(hits):.0%}")
        for (k, width), values in sorted(found.items()):
            if k == kind:
                print(f"  width {width:>3} px: {sum(values)}/{len(values)}")
    print(f"false boxes on {len(scenes)} pictures without faces or plates: {sum(false_boxes)} "
          f"(max {max(false_boxes)} in one)")
    print(f"time per 1600×1200 picture: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
