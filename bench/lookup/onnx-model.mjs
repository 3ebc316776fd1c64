// A one-node ONNX model, `output = Gather(table, indices, axis=0)`, written as protobuf bytes by a
// tiny encoder: no model files, no downloads, no protobuf dependency. Only the fields ONNX Runtime
// needs are written (field numbers from onnx/onnx.proto3).
//
//   ModelProto       1 ir_version (int64)   7 graph (GraphProto)   8 opset_import (OperatorSetIdProto)
//   OperatorSetIdProto  1 domain (string)   2 version (int64)
//   GraphProto       1 node   2 name   5 initializer (TensorProto)   11 input   12 output (ValueInfoProto)
//   NodeProto        1 input  2 output  3 name  4 op_type  5 attribute (AttributeProto)
//   AttributeProto   1 name   3 i (int64)   20 type (AttributeType; INT = 2)
//   TensorProto      1 dims (int64)   2 data_type (FLOAT = 1, INT32 = 6)   8 name   9 raw_data (little-endian)
//   ValueInfoProto   1 name   2 type (TypeProto)
//   TypeProto        1 tensor_type (TypeProto.Tensor: 1 elem_type, 2 shape)
//   TensorShapeProto 1 dim (Dimension: 1 dim_value)

const FLOAT = 1;
const INT32 = 6;
const ATTRIBUTE_INT = 2;
/** IR version 7 goes with opset 13, whose Gather accepts int32 or int64 indices. */
const IR_VERSION = 7;
const OPSET = 13;

const utf8 = new TextEncoder();

// Encoded fields are kept as lists of chunks and joined once at the end, so the table's bytes (up to
// 256 MB here) are copied exactly once instead of once per nesting level.

/** Base-128 varint of a non-negative integer below 2^53. */
function varint(value) {
  const out = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

const tag = (field, wireType) => varint(field * 8 + wireType);
const size = (chunks) => chunks.reduce((n, c) => n + c.length, 0);

// Field encoders: each returns the chunks of one field (tag + payload).
const int = (field, value) => [tag(field, 0), varint(value)];
const bytes = (field, payload) => [tag(field, 2), varint(payload.length), payload];
const str = (field, text) => bytes(field, utf8.encode(text));
const msg = (field, ...fields) => {
  const body = fields.flat();
  return [tag(field, 2), varint(size(body)), ...body];
};

/** ValueInfoProto for a tensor of `elemType` and fixed `dims`. */
const valueInfo = (field, name, elemType, dims) =>
  msg(field, str(1, name), msg(2, msg(1, int(1, elemType), msg(2, ...dims.map((d) => msg(1, int(1, d)))))));

function join(chunks) {
  const out = new Uint8Array(size(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The model bytes for gathering rows of a `rows × dim` float32 table with `n` int32 indices:
 * input `indices` [n], output `output` [n, dim]. The table is stored as the initializer `table`.
 * @param {Float32Array} table row-major rows × dim
 */
export function gatherModel(table, rows, dim, n) {
  const raw = new Uint8Array(table.buffer, table.byteOffset, table.byteLength); // little-endian, as ONNX wants
  const initializer = msg(5, int(1, rows), int(1, dim), int(2, FLOAT), str(8, "table"), bytes(9, raw));
  const node = msg(1, str(1, "table"), str(1, "indices"), str(2, "output"), str(3, "gather"), str(4, "Gather"),
    msg(5, str(1, "axis"), int(3, 0), int(20, ATTRIBUTE_INT)));
  const graph = msg(7, node, str(2, "embedding_gather"), initializer,
    valueInfo(11, "indices", INT32, [n]), valueInfo(12, "output", FLOAT, [n, dim]));
  return join([int(1, IR_VERSION), str(2, "embedding-wasm-bench"), graph, msg(8, str(1, ""), int(2, OPSET))].flat());
}
