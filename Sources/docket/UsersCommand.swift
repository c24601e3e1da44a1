import ArgumentParser
import DocketAccounts
import DocketBoard
import DocketCore
import DocketYAML
import Foundation

/// `docket users add|list|disable|enable|password|role`: the board's accounts (board/users.json).
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manages the web board's accounts (board/users.json, bcrypt hashes).",
        subcommands: [UsersAdd.self, UsersList.self, UsersDisable.self, UsersEnable.self, UsersPassword.self, UsersRole.self])
}

extension UsersCommand {
    /// `disable` and `enable`.
    static func setDisabled(_ name: String, _ disabled: Bool, _ options: RootOptions) throws {
        do {
            try options.accounts.setDisabled(name, disabled)
            print("account '\(TerminalText.escaped(name))' \(disabled ? "disabled" : "enabled")")
        } catch { throw Reporting.report(error) }
    }
}

extension RootOptions {
    var accounts: AccountStore { AccountStore(workspace: store.root) }
}

/// Reads a password: the first line of a file, or typed twice at the terminal with echo off.
enum PasswordInput {
    static func read(file: String?, name: String) throws -> String {
        let password: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw UsersFailure("cannot read the password file \(TerminalText.escaped(file))", kind: .notFound)
            }
            password = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        } else {
            guard isatty(STDIN_FILENO) == 1 else {
                throw UsersFailure("no terminal to ask for the password: give it with --password-file FILE", kind: .usage)
            }
            let first = try prompt("Password for \(name): ")
            let second = try prompt("Again: ")
            guard first == second else { throw UsersFailure(AccountError.mismatch.description, kind: .badInput) }
            password = first
        }
        if let problem = PasswordRule.problem(password, name: name) {
            throw UsersFailure(AccountError.weakPassword(problem).description, kind: .badInput)
        }
        return password
    }

    /// Asks at the terminal with echo off.
    static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = Swift.readLine(strippingNewline: true) else { throw UsersFailure("no password was typed", kind: .badInput) }
        return line
    }
}

/// A users-command failure the command itself finds (a password not typed twice alike).
struct UsersFailure: DocketFailure {
    var description: String
    var kind: FailureKind
    init(_ message: String, kind: FailureKind) {
        self.description = message
        self.kind = kind
    }
}


struct UsersAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Creates an account.",
        discussion: "Roles: secretariat (事務局), department (所管課; give --department), member (委員), archivist (文書管理). Give --role more than once for several.")

    @OptionGroup var options: RootOptions
    @Argument(help: "The login name (recorded in the journal as who acted).") var name: String
    @Option(name: .long, help: ArgumentHelp("secretariat, department, member or archivist.", valueName: "ROLE")) var role: [Role] = []
    @Option(name: .long, help: ArgumentHelp("The department (所管課) of a department account.", valueName: "NAME")) var department: String?
    @Option(name: .long, help: ArgumentHelp("Read the password from the first line of this file (else it is asked for).", valueName: "FILE")) var passwordFile: String?

    func validate() throws {
        guard !role.isEmpty else { throw ValidationError("give --role: secretariat, department, member or archivist") }
    }

    func run() throws {
        do {
            let accounts = options.accounts
            if try accounts.account(named: name) != nil { throw AccountError.exists(name) }
            guard Account.isValidName(name) else { throw AccountError.invalidName(name) }
            let password = try PasswordInput.read(file: passwordFile, name: name)
            try accounts.add(name: name, roles: Set(role), department: department, passwordHash: Passwords(cost: 12).hashNow(password))
            print("account '\(TerminalText.escaped(name))' added (\(role.map(\.label).joined(separator: "・"))\(department.map { "・" + TerminalText.escaped($0) } ?? ""))")
        } catch {
            throw Reporting.report(error)
        }
    }
}

extension Role: ExpressibleByArgument {}

struct UsersList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Lists the accounts (never their passwords).")
    @OptionGroup var options: RootOptions

    func run() throws {
        do {
            let rows = try options.accounts.all().map { a in
                [a.name, a.roles.map(\.rawValue).joined(separator: ","), a.department ?? "", a.disabled ? "disabled" : "active", a.created]
            }
            if rows.isEmpty { print("no accounts; create one with: docket users add NAME --role secretariat"); return }
            print(Table.render([["NAME", "ROLES", "DEPARTMENT", "STATUS", "CREATED"]] + rows), terminator: "")
        } catch {
            throw Reporting.report(error)
        }
    }
}

struct UsersDisable: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disables an account: it cannot sign in, and a signed-in session stops at its next page.")
    @OptionGroup var options: RootOptions
    @Argument var name: String

    func run() throws { try UsersCommand.setDisabled(name, true, options) }
}

struct UsersEnable: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enables a disabled account again.")
    @OptionGroup var options: RootOptions
    @Argument var name: String

    func run() throws { try UsersCommand.setDisabled(name, false, options) }
}

struct UsersPassword: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "password", abstract: "Sets an account's password; its signed-in sessions end at once.")
    @OptionGroup var options: RootOptions
    @Argument var name: String
    @Option(name: .long, help: ArgumentHelp("Read the password from the first line of this file (else it is asked for).", valueName: "FILE")) var passwordFile: String?

    func run() throws {
        do {
            let accounts = options.accounts
            guard try accounts.account(named: name) != nil else { throw AccountError.noSuchAccount(name, known: try accounts.all().map(\.name)) }
            let password = try PasswordInput.read(file: passwordFile, name: name)
            try accounts.setPasswordHash(name, Passwords(cost: 12).hashNow(password))
            print("password of '\(TerminalText.escaped(name))' changed; its signed-in sessions were ended")
        } catch { throw Reporting.report(error) }
    }
}

struct UsersRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role", abstract: "Gives an account new roles; its signed-in sessions end at once.",
        discussion: "The roles given replace the account's roles. Give --role more than once for several, and --department for the department role.")
    @OptionGroup var options: RootOptions
    @Argument var name: String
    @Option(name: .long, help: ArgumentHelp("secretariat, department, member or archivist.", valueName: "ROLE")) var role: [Role] = []
    @Option(name: .long, help: ArgumentHelp("The department (所管課) of a department account.", valueName: "NAME")) var department: String?

    func validate() throws {
        guard !role.isEmpty else { throw ValidationError("give --role: secretariat, department, member or archivist") }
    }

    func run() throws {
        do {
            try options.accounts.setRoles(name, roles: Set(role), department: department)
            print("account '\(TerminalText.escaped(name))' now has the roles \(Set(role).sorted().map(\.label).joined(separator: "・"))\(department.map { "・" + TerminalText.escaped($0) } ?? ""); its sessions were ended")
        } catch { throw Reporting.report(error) }
    }
}
