"""The node's pykka actors: one module per actor, and the supervisor that wires them."""
