// swift-tools-version:6.0
import PackageDescription

// CI treats warnings in Tally's own targets as errors; local builds only show them.
let strict: [SwiftSetting] =
    [.enableUpcomingFeature("ExistentialAny")]
    + (Context.environment["CI"] == "true" ? [.unsafeFlags(["-warnings-as-errors"])] : [])

let package = Package(
    name: "Tally",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tally", targets: ["tally"]),
        .library(name: "TallyCore", targets: ["TallyCore"]),
        .library(name: "TallySQLite", targets: ["TallySQLite"]),
        .library(name: "TallyHTTP", targets: ["TallyHTTP"]),
        .library(name: "TallyStoreConformance", targets: ["TallyStoreConformance"]),
        .library(name: "TallyPostgres", targets: ["TallyPostgres"]),
        .library(name: "TallyMetrics", targets: ["TallyMetrics"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Already built for postgres-nio; Tally hashes with it too (decision 0004).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.9.0"..<"6.0.0"),
        // Already in the graph through Hummingbird; the exposition format for /metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Already in the graph through Hummingbird's testing library; the webhook deliverer's client.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Domain: ids, rules, errors, limits and the storage contract. No I/O.
        .target(
            name: "TallyCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Tally's own metrics (the handles, made from a swift-metrics factory). No exporter.
        .target(
            name: "TallyMetrics",
            dependencies: ["TallyCore", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // The embedded default store.
        .target(
            name: "TallySQLite",
            dependencies: [
                "TallyCore", "TallyMetrics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The PostgreSQL store, for many servers on one database.
        .target(
            name: "TallyPostgres",
            dependencies: [
                "TallyCore", "TallyMetrics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The JSON shapes of Tally's records (DRIP's), shared by the HTTP API and the command line.
        .target(name: "TallyRepresentations", dependencies: ["TallyCore"], swiftSettings: strict),
        // The export format: writing it, and reading it back with every record checked.
        .target(name: "TallyPortability", dependencies: ["TallyCore"], swiftSettings: strict),
        // The HTTP API (Hummingbird 2).
        .target(
            name: "TallyHTTP",
            dependencies: [
                "TallyCore", "TallyRepresentations", "TallyMetrics", "TallyConsole",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Delivers events to webhook subscriptions: the deliverer service and its HTTP sender.
        .target(
            name: "TallyWebhooks",
            dependencies: [
                "TallyCore", "TallyRepresentations", "TallyMetrics",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The web console's pages and sessions, rendered on the server (docs/CONSOLE.md).
        .target(name: "TallyConsole", dependencies: ["TallyCore"], swiftSettings: strict),
        // One suite of behaviours every LedgerStore must pass.
        .target(name: "TallyStoreConformance", dependencies: ["TallyCore"], swiftSettings: strict),
        // Stamps the commit a binary is built from into the command line (`tally --version`).
        .plugin(name: "StampBuildInfo", capability: .buildTool()),
        // The thin command line.
        .executableTarget(
            name: "tally",
            dependencies: [
                "TallyCore", "TallySQLite", "TallyPostgres", "TallyHTTP", "TallyRepresentations", "TallyMetrics",
                "TallyPortability", "TallyWebhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict,
            plugins: ["StampBuildInfo"]
        ),
        // Runs the real binary and server, a throwaway PostgreSQL server, and the stores' services
        // for the tests.
        .target(
            name: "TallyTestSupport",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "TallyCoreTests", dependencies: ["TallyCore"], swiftSettings: strict),
        .testTarget(
            name: "TallyPortabilityTests", dependencies: ["TallyPortability", "TallyCore"], swiftSettings: strict),
        .testTarget(
            name: "TallySQLiteTests",
            dependencies: [
                "TallyCore", "TallySQLite", "TallyStoreConformance", "TallyTestSupport", "TallyMetrics",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TallyHTTPTests",
            dependencies: [
                "TallyCore", "TallySQLite", "TallyPostgres", "TallyHTTP", "TallyRepresentations", "TallyTestSupport",
                "TallyMetrics", "TallyWebhooks",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TallyCLITests",
            dependencies: [
                "TallyCore", "TallySQLite", "TallyTestSupport", "tally",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TallyPostgresTests",
            dependencies: [
                "TallyCore", "TallyPostgres", "TallyStoreConformance", "TallyTestSupport", "tally", "TallyMetrics",
                "TallySQLite", "TallyPortability",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
    ]
)
