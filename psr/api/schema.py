"""Schema components for the recursive topology objects, which serializers cannot express."""

PSR_REF = {"$ref": "#/components/schemas/PsrRef"}

TOPOLOGY_PARENT = {
    "type": "object",
    "description": "A parent PSR; its own `parent` is absent at the depth limit and null at the top of the tree.",
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "parent": {"oneOf": [{"$ref": "#/components/schemas/TopologyParent"}, {"type": "null"}]},
    },
}

TOPOLOGY_CHILD = {
    "type": "object",
    "description": "A child PSR with its connected siblings; `children` is absent at the depth limit.",
    "required": ["id", "connectedSiblings"],
    "properties": {
        "id": {"type": "string"},
        "connectedSiblings": {"type": "array", "items": PSR_REF},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/TopologyChild"}},
    },
}


def add_topology_components(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["TopologyParent"] = TOPOLOGY_PARENT
    schemas["TopologyChild"] = TOPOLOGY_CHILD
    return result
