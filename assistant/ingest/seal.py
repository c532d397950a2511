"""Red seal (印章) suppression on a page image before OCR.

Only a round red mark is removed — a ring 10–50 % of the page width across — so the red 版头
(发文机关标志, big red characters and the red rule) stays and is read. Inside a seal's circle the red
pixels turn white and dark pixels stay: the 署名 and 成文日期 printed under the seal are still read.
"""

from __future__ import annotations

import numpy as np

MIN_DIAMETER = 0.10  # of the page width
MAX_DIAMETER = 0.50
MAX_FILL = 0.55  # a ring with text inside covers well under half of its bounding box


def red_mask(rgb: np.ndarray, strength: int = 50) -> np.ndarray:
    """Pixels clearly redder than they are green or blue."""
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    return (r > 100) & (r - g > strength) & (r - b > strength)


def find_seals(rgb: np.ndarray) -> list[tuple[int, int, int]]:
    """(centre x, centre y, radius) of every round red mark on the page."""
    import cv2

    mask = red_mask(rgb).astype(np.uint8)
    if not mask.any():
        return []
    width = rgb.shape[1]
    kernel = np.ones((5, 5), np.uint8)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(closed, connectivity=8)
    seals = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        diameter = max(w, h)
        if not MIN_DIAMETER * width <= diameter <= MAX_DIAMETER * width:
            continue
        if min(w, h) / diameter < 0.75 or area / float(w * h) > MAX_FILL:
            continue
        seals.append((x + w // 2, y + h // 2, int(diameter * 0.55)))
    return seals


def suppress_seals(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """A copy of the page with every round red seal whitened (dark text under it kept); and how many."""
    seals = find_seals(rgb)
    if not seals:
        return rgb, 0
    out = rgb.copy()
    height, width = rgb.shape[:2]
    yy, xx = np.ogrid[:height, :width]
    reddish = red_mask(rgb, strength=30)
    for cx, cy, radius in seals:
        inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius * radius
        out[inside & reddish] = 255
        # light pinkish halo (anti-aliased ink edges): whiten what is bright inside the circle
        light = inside & (rgb.min(axis=2) > 150) & (rgb[..., 0] > 200)
        out[light] = 255
    return out, len(seals)
