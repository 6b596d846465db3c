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

from PIL import Image, ImageFilter

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


@lru_cache(maxsize=None)
def _classifier(name):
    import cv2

    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if classifier.empty():
        raise RuntimeError(f"OpenCV cascade {name} could not be loaded")
    return classifier


def find_faces_and_plates(image):
    """Boxes of faces and number plates in a Pillow image, in its pixel coordinates."""
    import cv2
    import numpy as np

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
                    pixels, scaleFactor=1.1, minNeighbors=neighbours, minSize=(MIN_SIDE, MIN_SIDE)
                )
                for x, y, w, h in found:
                    x = width - x - w if mirrored else x
                    boxes.append({"kind": kind, "x": int(x), "y": int(y), "w": int(w), "h": int(h)})
    return scaled(boxes[:MAX_BOXES], factor)


def scaled(boxes, factor):
    """The boxes for the same picture `factor` times as large."""
    return [
        {**box, "x": round(box["x"] * factor), "y": round(box["y"] * factor),
         "w": max(1, round(box["w"] * factor)), "h": max(1, round(box["h"] * factor))}
        for box in boxes
    ]


def blur(image, boxes):
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
