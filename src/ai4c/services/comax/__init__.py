"""The CO-max sample service: REST (FastAPI) and AI4EU Experiments-compatible gRPC front ends."""
