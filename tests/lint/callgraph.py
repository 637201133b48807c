#!/usr/bin/python3
"""callgraph.py - the calls between source files, from GNU cflow's cross
reference (cflow -x): an edge A -> B when a function of A.c calls one defined
in B.c.  Prints every cycle of files (strongly connected component with more
than one file) and exits 1 if there is one.

    callgraph.py [--edges] FILE.c...
"""
import subprocess
import sys


def graph(files):
	out = subprocess.run(["cflow", "-x", "--cpp=cpp -D_GNU_SOURCE -Isrc"]
	    + files, capture_output=True, text=True, check=True).stdout
	defs, refs = {}, []
	for line in out.splitlines():
		parts = line.split()
		if len(parts) >= 3 and parts[1] == "*":
			defs[parts[0]] = parts[2].rsplit(":", 1)[0]
		elif len(parts) >= 2:
			refs.append((parts[0], parts[1].rsplit(":", 1)[0]))
	edges = {}
	for sym, where in refs:
		to = defs.get(sym)
		if to is None or to == where or where.endswith(".h"):
			continue
		edges.setdefault(where, set()).add(to)
	return edges


def cycles(edges):
	"""Tarjan's strongly connected components, those of two files or more."""
	index, low, stack, on, out = {}, {}, [], set(), []
	n = [0]

	def visit(v):
		index[v] = low[v] = n[0]
		n[0] += 1
		stack.append(v)
		on.add(v)
		for w in edges.get(v, ()):
			if w not in index:
				visit(w)
				low[v] = min(low[v], low[w])
			elif w in on:
				low[v] = min(low[v], index[w])
		if low[v] == index[v]:
			comp = []
			while True:
				w = stack.pop()
				on.discard(w)
				comp.append(w)
				if w == v:
					break
			if len(comp) > 1:
				out.append(sorted(comp))

	sys.setrecursionlimit(10000)
	for v in list(edges):
		if v not in index:
			visit(v)
	return out


def main():
	args = sys.argv[1:]
	show = "--edges" in args
	files = [a for a in args if a != "--edges"]
	edges = graph(files)
	if show:
		for a in sorted(edges):
			print(a, "->", " ".join(sorted(edges[a])))
	found = cycles(edges)
	for comp in found:
		# the edges inside the cycle, to say where to cut
		inner = [f"{a} -> {b}" for a in comp for b in sorted(edges.get(a,
		    ())) if b in comp]
		print("call cycle: " + ", ".join(comp))
		for e in inner:
			print("   " + e)
	return 1 if found else 0


if __name__ == "__main__":
	sys.exit(main())
