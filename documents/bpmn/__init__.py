"""BPMN 2.0 export of the flows: the diagram as data, its layout and XML."""
