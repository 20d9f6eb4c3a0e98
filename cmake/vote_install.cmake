# Installation and the Debian package (packaging/README.md; README "Install").
#
# Installed: the operator's and voters' programs (vote-server, register, vote, close,
# vote-status, vote-admin, vote-verify), a man page and bash and zsh completions for each (both
# generated at build time from the programs' own --help, so they never go stale), the systemd
# units vote-server.service and vote-server@.service, the sample /etc/vote-server/vote-server.toml
# and /etc/default/vote-server. Not installed: the development tools vote-bench, vote-sim,
# vote-chaos, vote-count-bench and vote-state-bench (load generation, simulation, fault
# injection, benchmarks: they stay in build/bin).
#
#   ninja -C build man completions        build/man/*.1, build/completions/{bash,zsh}/
#   DESTDIR=/tmp/root cmake --install build --prefix /usr
#   (cd build && cpack -G DEB)             build/vote-server_<version>_<arch>.deb
#
# Relative destinations are below the prefix (/usr in the package); the files under /etc are
# absolute.
include(GNUInstallDirs)

set(vote_installed_tools vote-server register vote close vote-status vote-admin vote-verify)
# The NAME line of each man page.
set(vote_man_name_vote-server "one member of a fault-tolerant vote-server election cluster")
set(vote_man_name_register "register an election with a vote-server cluster")
set(vote_man_name_vote "cast a vote in an election of a vote-server cluster")
set(vote_man_name_close "close an election of a vote-server cluster and print its result")
set(vote_man_name_vote-status "show the leader and the members of a vote-server cluster")
set(vote_man_name_vote-admin "administer the elections and the members of a vote-server cluster")
set(vote_man_name_vote-verify "check the public record of a closed vote-server election")

set(vote_packaging ${PROJECT_SOURCE_DIR}/packaging)
find_program(VOTE_HELP2MAN help2man)
if(NOT VOTE_HELP2MAN)
  message(WARNING "help2man not found (Debian: help2man): no man pages are built or installed")
endif()

set(vote_man_pages "")
set(vote_completions "")
foreach(tool IN LISTS vote_installed_tools)
  if(NOT TARGET ${tool}-bin)
    continue()
  endif()
  install(TARGETS ${tool}-bin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

  if(VOTE_HELP2MAN)
    set(page ${PROJECT_BINARY_DIR}/man/${tool}.1)
    set(page_include "")
    if(EXISTS ${vote_packaging}/man/${tool}.h2m)
      set(page_include ${vote_packaging}/man/${tool}.h2m)
    endif()
    add_custom_command(
      OUTPUT ${page}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${vote_packaging}/man/make-man.sh $<TARGET_FILE:${tool}-bin> ${tool}
              "${vote_man_name_${tool}}" ${page}
      DEPENDS ${tool}-bin ${vote_packaging}/man/make-man.sh ${vote_packaging}/man/common.h2m
              ${page_include}
      COMMENT "Writing the man page of ${tool} (help2man)"
      VERBATIM)
    list(APPEND vote_man_pages ${page})
  endif()

  set(bash_file ${PROJECT_BINARY_DIR}/completions/bash/${tool})
  set(zsh_file ${PROJECT_BINARY_DIR}/completions/zsh/_${tool})
  add_custom_command(
    OUTPUT ${bash_file} ${zsh_file}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/completions/bash
            ${PROJECT_BINARY_DIR}/completions/zsh
    COMMAND ${vote_packaging}/completions/generate.sh $<TARGET_FILE:${tool}-bin> ${tool}
            ${bash_file} ${zsh_file}
    DEPENDS ${tool}-bin ${vote_packaging}/completions/generate.sh
    COMMENT "Writing the bash and zsh completions of ${tool}"
    VERBATIM)
  list(APPEND vote_completions ${bash_file} ${zsh_file})
  install(FILES ${bash_file} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
  install(FILES ${zsh_file} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
endforeach()
add_custom_target(man ALL DEPENDS ${vote_man_pages})
add_custom_target(completions ALL DEPENDS ${vote_completions})
if(vote_man_pages)
  install(FILES ${vote_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# systemd units (lib/systemd/system below /usr: systemd reads /usr/lib/systemd/system).
install(FILES ${vote_packaging}/systemd/vote-server.service
              ${vote_packaging}/systemd/vote-server@.service
        DESTINATION lib/systemd/system)
# The sample settings: conffiles of the package (an edited file survives upgrades).
install(FILES ${vote_packaging}/config/vote-server.toml DESTINATION /etc/vote-server)
install(FILES ${vote_packaging}/config/default DESTINATION /etc/default RENAME vote-server)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/operations.md
              ${PROJECT_SOURCE_DIR}/docs/security.md ${PROJECT_SOURCE_DIR}/docs/clients.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/vote-server)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/vote-server
        RENAME copyright)

# The Debian package: cpack -G DEB in the build directory.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vote-server)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "fault-tolerant election service for a group of machines")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
       "A few vote-server processes find each other by UDP broadcast and form a cluster that\n"
       "registers elections, takes each voter's vote once and counts them. An acknowledged vote\n"
       "survives crashes and the loss of a minority of the servers. With the clients register,\n"
       "vote, close, vote-status, vote-admin and vote-verify, man pages, bash and zsh\n"
       "completions and systemd units (started by nobody until the operator enables them).")
set(CPACK_PACKAGE_CONTACT "vote-server maintainers <vote-server@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# The shared libraries' packages come from dpkg-shlibdeps (libssl3, libjemalloc2, libsystemd0,
# libutf8proc2, libqrencode4, libc6, libstdc++6, ...); adduser for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bash-completion")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${vote_packaging}/debian/postinst ${vote_packaging}/debian/prerm
    ${vote_packaging}/debian/postrm ${vote_packaging}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)

# The packaging tests (tests/packaging/check.sh, label unit): man pages render, completions cover
# every flag, the units verify, the sample config loads. enable_testing() again is harmless.
# Not in the sanitizer builds: they build only the test suites, not the binaries these check.
if(VOTE_BUILD_TESTS AND NOT VOTE_SANITIZE AND NOT VOTE_FUZZ)
  enable_testing()
  set(vote_check ${PROJECT_SOURCE_DIR}/tests/packaging/check.sh)
  if(VOTE_HELP2MAN)
    add_test(NAME packaging_man_pages
             COMMAND ${vote_check} man ${PROJECT_BINARY_DIR} ${vote_installed_tools})
  endif()
  add_test(NAME packaging_completions
           COMMAND ${vote_check} completions ${PROJECT_BINARY_DIR} ${vote_installed_tools})
  add_test(NAME packaging_units COMMAND ${vote_check} units ${PROJECT_BINARY_DIR}
                                        ${PROJECT_SOURCE_DIR})
  add_test(NAME packaging_sample_config COMMAND ${vote_check} config ${PROJECT_BINARY_DIR}
                                                ${PROJECT_SOURCE_DIR})
  set_tests_properties(packaging_completions packaging_units packaging_sample_config
                       PROPERTIES LABELS unit SKIP_RETURN_CODE 77 TIMEOUT 120)
  if(VOTE_HELP2MAN)
    set_tests_properties(packaging_man_pages PROPERTIES LABELS unit SKIP_RETURN_CODE 77
                                                        TIMEOUT 120)
  endif()
endif()
