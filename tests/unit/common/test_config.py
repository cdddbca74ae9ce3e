from services.common.config import SERVICE_NAMES, load_config


def test_environment_overrides_the_defaults(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka.zhongyuan.local:9093")
    monkeypatch.setenv("MONITORING_DATABASE_URL", "postgresql://mon@db/monitoring")

    config = load_config("monitoring")

    assert config["KAFKA_BOOTSTRAP"] == "kafka.zhongyuan.local:9093"
    assert config["DATABASE_URL"] == "postgresql://mon@db/monitoring"


def test_every_service_defaults_to_its_documented_ports(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("INVENTORY", "MIGRATION", "INTERCONNECT", "MONITORING"):
        monkeypatch.delenv(f"{name}_GRPC_ADDRESS", raising=False)
        monkeypatch.delenv(f"{name}_HTTP_ADDRESS", raising=False)

    ports = {
        name: (load_config(name)["GRPC_BIND_ADDRESS"], load_config(name)["WEB_SERVER_ADDRESS"])
        for name in SERVICE_NAMES
    }

    assert ports == {
        "inventory": ("127.0.0.1:50051", "127.0.0.1:8001"),
        "migration": ("127.0.0.1:50052", "127.0.0.1:8002"),
        "interconnect": ("127.0.0.1:50053", "127.0.0.1:8003"),
        "monitoring": ("127.0.0.1:50054", "127.0.0.1:8004"),
    }
