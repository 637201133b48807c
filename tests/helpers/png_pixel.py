#!/usr/bin/python3
"""png_pixel.py - the colour of pixels of a PNG, with zlib only (no PIL).

    png_pixel.py FILE [X,Y ...]

Prints "WIDTHxHEIGHT" and then, for each X,Y (default: the centre), a line
"X,Y #rrggbb".  8-bit greyscale, RGB, RGBA and palette images, not
interlaced (what Chromium's --screenshot writes).
"""

import struct
import sys
import zlib


def paeth(a, b, c):
	p = a + b - c
	pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
	if pa <= pb and pa <= pc:
		return a
	return b if pb <= pc else c


def decode(path):
	data = open(path, "rb").read()
	if data[:8] != b"\x89PNG\r\n\x1a\n":
		sys.exit("png_pixel: not a PNG")
	i, idat, plte = 8, b"", None
	while i < len(data):
		n, kind = struct.unpack("!I4s", data[i:i + 8])
		body = data[i + 8:i + 8 + n]
		if kind == b"IHDR":
			w, h, depth, ctype, _, _, interlace = struct.unpack(
			    "!IIBBBBB", body)
		elif kind == b"PLTE":
			plte = body
		elif kind == b"IDAT":
			idat += body
		i += 12 + n
	if depth != 8 or interlace != 0:
		sys.exit("png_pixel: only 8-bit, non-interlaced images")
	bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
	raw = zlib.decompress(idat)
	stride = w * bpp
	rows, prev, pos = [], bytearray(stride), 0
	for _ in range(h):
		f = raw[pos]
		line = bytearray(raw[pos + 1:pos + 1 + stride])
		pos += 1 + stride
		for x in range(stride):
			a = line[x - bpp] if x >= bpp else 0
			b = prev[x]
			c = prev[x - bpp] if x >= bpp else 0
			if f == 1:
				line[x] = (line[x] + a) & 255
			elif f == 2:
				line[x] = (line[x] + b) & 255
			elif f == 3:
				line[x] = (line[x] + ((a + b) >> 1)) & 255
			elif f == 4:
				line[x] = (line[x] + paeth(a, b, c)) & 255
		rows.append(line)
		prev = line

	def rgb(x, y):
		p = rows[y][x * bpp:(x + 1) * bpp]
		if ctype == 3:
			return tuple(plte[p[0] * 3:p[0] * 3 + 3])
		if ctype in (0, 4):
			return (p[0], p[0], p[0])
		return tuple(p[:3])
	return w, h, rgb


def main():
	w, h, rgb = decode(sys.argv[1])
	print(f"{w}x{h}")
	points = sys.argv[2:] or [f"{w // 2},{h // 2}"]
	for pt in points:
		x, y = (int(v) for v in pt.split(","))
		print(f"{x},{y} #" + "".join(f"{c:02x}" for c in rgb(x, y)))


if __name__ == "__main__":
	main()
