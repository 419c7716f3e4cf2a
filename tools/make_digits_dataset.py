#!/usr/bin/python3
"""Write scikit-learn's 8x8 digits as two .npy files for C++ programs (examples/train_digits).

Usage (from the repository root; Debian's interpreter, which has python3-sklearn):

    /usr/bin/python3 tools/make_digits_dataset.py [OUT_DIR]

OUT_DIR defaults to ``models/digits_8x8/``. Nothing is downloaded: ``load_digits`` ships inside
scikit-learn. The files keep sklearn's sample order and are small enough to commit (~117 KB):

* ``images.npy``  uint8 [1797, 8, 8], grey levels 0..16 as in sklearn (white digit on black)
* ``labels.npy``  uint8 [1797], the digit 0..9 of each image
"""

import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits


def main():
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parent.parent / "models" / "digits_8x8")
    digits = load_digits()
    images = digits.images.astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    # The conversion is exact: sklearn stores small integers as float64.
    if not (np.array_equal(images, digits.images) and np.array_equal(labels, digits.target)):
        sys.exit("error: load_digits returned values that are not integers 0..255")
    out_dir.mkdir(parents=True, exist_ok=True)
    np.save(out_dir / "images.npy", images)
    np.save(out_dir / "labels.npy", labels)
    print("wrote %d images %s and labels to %s" % (len(images), images.shape[1:], out_dir))


if __name__ == "__main__":
    main()
