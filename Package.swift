// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Docket",
    platforms: [.macOS(.v14)],  // hummingbird-auth requires macOS 14
    products: [
        .executable(name: "docket", targets: ["docket"]),
        .library(name: "DocketCore", targets: ["DocketCore"]),
        .library(name: "DocketPluginKit", targets: ["DocketPluginKit"]),
        .executable(name: "mailing-serial-check", targets: ["mailing-serial-check"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries, linked through pkg-config (see README "Set-up").
        .systemLibrary(
            name: "CLibYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]),
        .systemLibrary(
            name: "CLibZip", pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"]), .brew(["libzip"])]),
        // libdeflate: the archive's deflate, 2-3x zlib's speed at the same ratio (standard streams).
        .systemLibrary(
            name: "CLibDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]),
        // OpenSSL's libcrypto, which libzip already links for AES: the archive's bulk digests
        // (its SHA-512 runs on AVX2; swift-crypto's BoringSSL has no such path).
        .systemLibrary(
            name: "CLibCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),

        // The system's SQLite (FTS5 with the trigram tokenizer), for the case index.
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),

        // Layers (arrows point one way): front ends (docket, DocketBoard, test support) ->
        // DocketServices -> domain modules -> DocketCore -> DocketYAML. Every module a target
        // imports is named here; none arrives only through another.

        // libyaml events -> node tree with source marks -> strict decoding.
        .target(name: "DocketYAML", dependencies: ["CLibYAML"]),
        // Workflow model, expressions, journal, case store, Step protocol, registry, runner, errors.
        .target(
            name: "DocketCore",
            dependencies: ["DocketYAML", .product(name: "Crypto", package: "swift-crypto")]),
        // libzip wrapper, BagIt-in-zip packaging, verification, encryption, retention.
        .target(
            name: "DocketArchive",
            dependencies: ["DocketCore", "DocketYAML", "CLibZip", "CLibCrypto", "CLibDeflate", "CGlibc"]),
        // Department step plugins: manifest, discovery, process protocol, isolation.
        .target(name: "DocketPlugins", dependencies: ["DocketCore", "DocketYAML", "CGlibc"]),
        // glibc calls Swift's Glibc module does not reach (posix_spawn's chdir action, malloc_trim).
        .target(name: "CGlibc"),
        // The small library a department writes a Swift plugin with (protocol v1 only).
        .target(name: "DocketPluginKit"),
        // A bundled department plugin, built with the package (see Plugins/mailing-serial-check).
        .executableTarget(
            name: "mailing-serial-check", dependencies: ["DocketPluginKit"],
            path: "Plugins/mailing-serial-check/Sources"),
        // The council's domain: era dates and fiscal years, the roster and its rules, tallies,
        // the answers register and its numbering, the decision vocabulary.
        .target(name: "DocketCouncil", dependencies: ["DocketCore", "DocketYAML"]),
        // Built-in steps.
        .target(
            name: "DocketSteps",
            dependencies: ["DocketCore", "DocketCouncil", "DocketYAML", .product(name: "Mustache", package: "swift-mustache")]),
        // docket.yaml, finding the workspace, where workflows and plugins are looked up.
        .target(name: "DocketWorkspace", dependencies: ["DocketCore", "DocketYAML"]),
        // Meetings: agenda, attendance, quorum per item, votes dated by the meeting, minutes (会議録).
        .target(
            name: "DocketMeetings",
            dependencies: ["DocketCore", "DocketCouncil", "DocketSteps", "DocketArchive", "DocketYAML",
                           .product(name: "Mustache", package: "swift-mustache")]),
        // The case index (SQLite, or PostgreSQL when docket.yaml names one): status and search read it; fed from the journal's commit path.
        .target(
            name: "DocketIndex",
            dependencies: ["DocketCore", "DocketCouncil", "CSQLite", "DocketWorkspace", "DocketYAML",
                           .product(name: "PostgresNIO", package: "postgres-nio")]),
        // The council's electronic seal: its key and certificates in seal/, Docket's own signer
        // (libexec/seal, pyHanko), the seal step and signature checks.
        .target(name: "DocketSeal", dependencies: ["DocketCore", "DocketYAML"]),
        // The board's accounts (board/users.json): roles, bcrypt hashes, session epochs.
        .target(
            name: "DocketAccounts",
            dependencies: [
                "DocketCore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Given a workspace, everything Docket runs with (registry and plugins, index and fed
        // store, meetings, accounts, the council's defaults) and the operations both front ends call.
        .target(
            name: "DocketServices",
            dependencies: ["DocketCore", "DocketCouncil", "DocketSteps", "DocketArchive", "DocketPlugins", "DocketWorkspace",
                           "DocketMeetings", "DocketIndex", "DocketAccounts", "DocketSeal", "DocketYAML"]),
        // The web board (Hummingbird): routes, sessions, roles, pages from restylable templates.
        .target(
            name: "DocketBoard",
            dependencies: [
                "DocketServices", "DocketCore", "DocketCouncil", "DocketSteps", "DocketArchive", "DocketMeetings", "DocketIndex",
                "DocketWorkspace", "DocketAccounts", "DocketSeal", "DocketYAML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]),
        // The command-line tool.
        .executableTarget(
            name: "docket",
            dependencies: [
                "DocketServices", "DocketBoard", "DocketCore", "DocketCouncil", "DocketSteps", "DocketArchive", "DocketPlugins",
                "DocketWorkspace", "DocketMeetings", "DocketIndex", "DocketAccounts", "DocketSeal", "DocketYAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        // Runner overhead against a peer (ansible-core); see README "Benchmarks".
        .executableTarget(
            name: "docket-bench",
            dependencies: [
                "DocketCore", "DocketSteps", "DocketArchive", "DocketPlugins", "CLibCrypto", "DocketIndex", "DocketWorkspace",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/DocketBench"),
        // What the tests share: a temporary workspace with the bundled workflows and plugins,
        // its services built as `docket` builds them, and a board client.
        .target(
            name: "DocketTestSupport",
            dependencies: [
                "DocketServices", "DocketBoard", "DocketCore", "DocketWorkspace", "DocketSeal",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/DocketTestSupport"),

        .testTarget(name: "DocketYAMLTests", dependencies: ["DocketYAML"]),
        .testTarget(name: "DocketCoreTests", dependencies: ["DocketCore", "DocketYAML"]),
        .testTarget(name: "DocketCouncilTests", dependencies: ["DocketCouncil", "DocketCore", "DocketYAML"]),
        .testTarget(name: "DocketWorkspaceTests", dependencies: ["DocketWorkspace", "DocketCore", "DocketYAML"]),
        .testTarget(name: "DocketStepsTests", dependencies: ["DocketSteps", "DocketCouncil", "DocketArchive", "DocketPlugins", "DocketCore", "DocketYAML", "DocketServices", "DocketTestSupport"]),
        .testTarget(name: "DocketArchiveTests", dependencies: ["DocketArchive", "DocketSteps", "DocketCore", "DocketYAML"]),
        .testTarget(name: "DocketPluginsTests", dependencies: ["DocketPlugins", "DocketPluginKit", "DocketCore", "DocketYAML"]),
        .testTarget(name: "DocketCLITests", dependencies: ["DocketCore"]),
        .testTarget(
            name: "DocketMeetingsTests",
            dependencies: ["DocketMeetings", "DocketCouncil", "DocketSteps", "DocketArchive", "DocketPlugins", "DocketCore", "DocketYAML",
                           "DocketServices", "DocketTestSupport"]),
        .testTarget(name: "DocketIndexTests", dependencies: ["DocketIndex", "DocketWorkspace", "DocketCore"]),
        .testTarget(name: "DocketServicesTests", dependencies: ["DocketServices", "DocketArchive", "DocketCore", "DocketWorkspace", "DocketSeal", "DocketTestSupport"]),
        .testTarget(
            name: "DocketBoardTests",
            dependencies: [
                "DocketBoard", "DocketServices", "DocketTestSupport", "DocketAccounts", "DocketCouncil", "DocketSteps", "DocketWorkspace",
                "DocketArchive", "DocketPlugins", "DocketMeetings", "DocketIndex", "DocketCore", "DocketYAML",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)
