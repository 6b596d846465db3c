"""Faces and number plates in photos: found with OpenCV's Haar cascades, made unrecognisable with Pillow.

    boxes = find_faces_and_plates(image)       # [{"kind": "face", "x": 120, "y": 40, "w": 80, "h": 80}, ...]
    blur(image, boxes)                         # in place

The cascades ship with `opencv-python-headless` and run on one CPU core in well under a second for a
public-size photo. They miss faces seen at an angle, very small faces and most number plates that are
not Russian-style (see docs/privacy.md for measured recall); the manual redaction tool in the moderation
screen covers what they miss. A box that covers no face only blurs a little too much, so the detectors
are tuned for recall rather than precision.
"""

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageFilter

if TYPE_CHECKING:
    import cv2

# A box: {"kind": "face" | "plate" | "manual", "x", "y", "w", "h"} in pixels of some picture.
Box = dict[str, Any]

# (kind, cascade file, minNeighbors): fewer neighbours find more, and also more false boxes.
CASCADES = [
    ("face", "haarcascade_frontalface_default.xml", 4),
    ("face", "haarcascade_profileface.xml", 4),
    ("plate", "haarcascade_russian_plate_number.xml", 2),
    ("plate", "haarcascade_license_plate_rus_16stages.xml", 2),
]
# Profile cascades only know faces looking one way; the mirrored image finds the other.
MIRRORED = {"haarcascade_profileface.xml"}
DETECT_SIZE = 1024      # longest side the cascades look at: 1600 px took 10 s on one core, this 2–4 s
MIN_SIDE = 16           # pixels at DETECT_SIZE: a face about 25 px wide in the public version
MAX_BOXES = 200         # a pathological photo must not make the job run for minutes
PADDING = 0.15          # detectors draw tight boxes; hair, ears and plate frames lie outside them
BLOCKS = 8              # pixel blocks across the longer side of a blurred box

_lock = threading.Lock()


# OpenCV is imported where it is used, not at the top: only the photo job detects, and the ~30 MB
# and ~60 ms it costs would otherwise be paid by every web process (which imports this module
# through intake).


@lru_cache(maxsize=None)
def _classifier(name: str) -> "cv2.CascadeClassifier":
    import cv2

    # cv2.data (the cascades' folder) is loaded by cv2 itself; OpenCV's __init__.pyi does not name it.
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
    if classifier.empty():
        raise RuntimeError(f"OpenCV cascade {name} could not be loaded")
    return classifier


def find_faces_and_plates(image: Image.Image) -> list[Box]:
    """Boxes of faces and number plates in a Pillow image, in its pixel coordinates."""
    import cv2

    small = image.convert("L")
    small.thumbnail((DETECT_SIZE, DETECT_SIZE), Image.Resampling.BOX)
    factor = image.width / small.width
    gray = np.asarray(small)
    # Evens out backlight and shadow, which otherwise hide faces from the cascades.
    gray = cv2.equalizeHist(gray)
    width = gray.shape[1]
    boxes = []
    # CascadeClassifier objects are not safe to share between threads.
    with _lock:
        for kind, name, neighbours in CASCADES:
            variants = [(gray, False)] + ([(cv2.flip(gray, 1), True)] if name in MIRRORED else [])
            for pixels, mirrored in variants:
                found = _classifier(name).detectMultiScale(
                    pixels, scaleFactor=1.15, minNeighbors=neighbours, minSize=(MIN_SIDE, MIN_SIDE)
                )
                for x, y, w, h in found:
                    x = width - x - w if mirrored else x
                    boxes.append({"kind": kind, "x": int(x), "y": int(y), "w": int(w), "h": int(h)})
    boxes += find_plate_shapes(np.asarray(small))
    return scaled(boxes[:MAX_BOXES], factor)


def find_plate_shapes(gray: np.ndarray) -> list[Box]:
    """Boxes that look like an EU number plate: a light band, 2 to 7 times as wide as high, with dark characters.

    The Russian-trained cascades shipped with OpenCV miss most German plates; this finds rows of dark
    characters on a light ground (morphological black-hat, horizontal gradient, closing) and keeps those
    shaped like a plate. It also finds some other lettering (shop signs, posters), which is blurred too.
    """
    import cv2

    blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (13, 5)))
    gradient = np.absolute(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=-1))
    span = max(float(gradient.max() - gradient.min()), 1e-6)
    gradient = (255 * (gradient - gradient.min()) / span).astype("uint8")
    gradient = cv2.GaussianBlur(gradient, (5, 5), 0)
    gradient = cv2.morphologyEx(gradient, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (17, 3)))
    _, mask = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # OpenCV takes None for its default 3 × 3 kernel; its stubs only list arrays.
    mask = cv2.dilate(cv2.erode(mask, None, iterations=2), None, iterations=2)  # type: ignore[call-overload]
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if h < 6 or w < 24 or not 2.0 <= w / h <= 7.0:
            continue
        region = gray[y:y + h, x:x + w]
        _, ink = cv2.threshold(region, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        dark = float(np.count_nonzero(ink)) / ink.size
        # A plate: mostly light ground, a fair share of dark strokes, clearly apart in brightness.
        if region.mean() < 90 or not 0.12 <= dark <= 0.55 or float(region.std()) < 30:
            continue
        boxes.append({"kind": "plate", "x": int(x), "y": int(y), "w": int(w), "h": int(h)})
    return boxes


def scaled(boxes: list[Box], factor: float) -> list[Box]:
    """The boxes for the same picture `factor` times as large."""
    return [
        {**box, "x": round(box["x"] * factor), "y": round(box["y"] * factor),
         "w": max(1, round(box["w"] * factor)), "h": max(1, round(box["h"] * factor))}
        for box in boxes
    ]


def blur(image: Image.Image, boxes: list[Box]) -> Image.Image:
    """Make each box unrecognisable, in place: coarse pixel blocks, then softened (not reversible by sharpening)."""
    for box in boxes:
        pad_x, pad_y = round(box["w"] * PADDING), round(box["h"] * PADDING)
        left, top = max(0, box["x"] - pad_x), max(0, box["y"] - pad_y)
        right = min(image.width, box["x"] + box["w"] + pad_x)
        bottom = min(image.height, box["y"] + box["h"] + pad_y)
        if right <= left or bottom <= top:
            continue
        region = image.crop((left, top, right, bottom))
        longest = max(region.size)
        small = (max(1, region.width * BLOCKS // longest), max(1, region.height * BLOCKS // longest))
        region = region.resize(small, Image.Resampling.BOX).resize(region.size, Image.Resampling.NEAREST)
        region = region.filter(ImageFilter.GaussianBlur(max(1, longest // (BLOCKS * 2))))
        image.paste(region, (left, top))
    return image
