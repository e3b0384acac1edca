"""fera.parts: what a process runs of a node, and how the roles' declarations compose."""

from __future__ import annotations

import pytest
from fastapi import APIRouter

from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.parts import ALL_PROCESSES, ModuleMount, Parts, Process, Service, processes_named
from fera.web.sources import Sources


def test_parts_of_a_process_are_named_as_on_the_command_line() -> None:
    assert processes_named("all") == ALL_PROCESSES
    assert processes_named(" Worker , gateway") == {Process.WORKER, Process.GATEWAY}
    with pytest.raises(ValueError, match="not a part of a node: cron, web"):
        processes_named("api,web,cron")
    with pytest.raises(ValueError, match="not a part of a node: ','"):
        processes_named(",")


def mount(path: str) -> ModuleMount:
    return ModuleMount(ModuleID.SESSIONS, InterfaceRole.RECEIVER, path, APIRouter())


async def nothing() -> None:
    return None


def test_an_interface_two_roles_declare_is_mounted_once_and_the_rest_adds_up() -> None:
    shared, own = mount("/ocpi/2.2.1/receiver/sessions"), mount("/ocpi/2.2.1/receiver/other")
    first = Parts(mounts=[shared], services=[Service(Process.API, nothing)], dashboard=Sources())
    second = Parts(
        mounts=[mount("/ocpi/2.2.1/receiver/sessions"), own],
        services=[Service(Process.WORKER, stop=nothing)],
        dashboard=Sources(flexibility=None, planner=None, stations=None),
    )
    both = first.add(second)
    assert both.mounts == [shared, own]
    assert [s.runs_in for s in both.services] == [Process.API, Process.WORKER]
