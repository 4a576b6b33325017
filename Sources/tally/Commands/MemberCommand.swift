import ArgumentParser
import Foundation
import Logging
import TallyCore
import TallyRepresentations

/// `tally member create` and `tally member import`.
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Manage members.", subcommands: [Create.self, Import.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a member and print it.")
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's id.") var realm: String
        @Option var username: String?
        @Option var discordId: String?
        @Option var twitterId: String?
        @Option var wallet: String?
        @Option var email: String?
        @Option(help: "The wallet's chain, such as eip155 or solana (EVM addresses default to eip155).")
        var walletChain: String?
        @Option(help: "The wallet's application, such as metamask.") var walletName: String?

        func run() async throws {
            try await runReportingErrors {
                let credentials = Credentials(
                    username: username, discordId: discordId, twitterId: twitterId, wallet: wallet, email: email,
                    walletChain: walletChain, walletName: walletName)
                try await options.withStore(logger: Logger(label: "tally")) { store in
                    Output.json(
                        Representation.MemberBody(try await store.createMember(credentials, in: try parseRealm(realm))))
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create members from CSV (header: username,discord-id,twitter-id,wallet,email,wallet-chain,wallet-name,balance:<currency name> in any order).",
            discussion: """
                Every row becomes a member; a balance column (balance:Points, one per currency of the \
                realm) gives the member an opening balance, written with a journal entry of kind import. \
                The file is read and written a chunk at a time, all in one transaction: every row is \
                created, or none. Any error names the CSV line. Prints one JSON object per created \
                member once the import is committed; progress goes to stderr on a terminal.
                """
        )
        @OptionGroup var options: DatabaseOptions
        @Option(help: "The realm's id.") var realm: String
        @Argument(help: "The CSV file, or - for standard input.") var file: String
        @Option(help: "The initiatorId of the opening balances' journal entries.")
        var initiator = "tally member import"

        func run() async throws {
            try await runReportingErrors {
                let realmID = try parseRealm(realm)
                try InputFile.checkInitiator(initiator)
                let file = try InputFile(self.file)
                let input = file.handle
                let size = file.size
                let spool = try MemberSpool()
                let meter = ProgressMeter("member import", unit: "bytes", total: size, countUnit: "rows")
                defer { meter.finish() }
                let started = Date()
                let summary = try await options.withStore(logger: Logger(label: "tally")) { store in
                    _ = try await store.realm(realmID)
                    let reader = MemberCSV.Reader(input, currencies: try await store.currencies(in: realmID))
                    let clock = TallyClock.system
                    var rows: Int64 = 0
                    let source = MemberImport(
                        realm: realmID, ids: IDGenerator(clock: clock), now: clock.now.millisecondsSince1970,
                        initiatorID: initiator
                    ) {
                        let batch = try reader.next(MemberImport.chunkRows)
                        rows += Int64(batch?.count ?? 0)
                        meter.update(reader.bytesRead, count: rows)
                        return batch
                    } created: { members in
                        try spool.append(members)
                    }
                    // The file is read and its members made while the store writes the chunk before.
                    let readAhead = ReadAhead(source)
                    defer { readAhead.stop() }
                    return try await store.load(readAhead)
                }
                meter.finish()  // before the members, on a terminal that shows both
                try spool.copy(to: FileHandle.standardOutput)
                let seconds = Date().timeIntervalSince(started)
                Output.message(
                    "tally: imported \(summary.members) members and \(summary.balances) balances in \(String(format: "%.2f", seconds)) s (\(Int(Double(summary.members) / max(seconds, 0.001))) rows/s)."
                )
            }
        }
    }
}
