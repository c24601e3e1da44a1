import Hummingbird

/// Forms that change cases: new case, record a step, run, materials, withdraw, reopen,
/// rerun, archive (owned by the forms work; see the board contract in the README).
struct CaseFormRoutes {
    let board: Board

    func addRoutes(to routes: BoardRouter) {}
}
