"""The standard catalog: service items, materials, data elements, things — as data."""
