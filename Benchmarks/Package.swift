// swift-tools-version:6.0
// Benchmarks live apart from the main package so `swift test` never builds or times them.
import PackageDescription

let package = Package(
    name: "TallyBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0")
    ],
    targets: [
        // The raw engine ceiling: the same SQL work as a Tally batch, with no HTTP and no rules.
        .executableTarget(name: "tally-ceiling", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // Journal history for the scale run: ROUNDS entries per member per currency, verifiable.
        .executableTarget(name: "tally-seed", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
