# Installation and the Debian package: `cmake --install BUILD` lays out
#   bin/sipstorm
#   share/sipstorm/scenarios/*.lua, share/sipstorm/lua/*.lua   (found from any directory: tools/cli/data_dir.hpp)
#   share/man/man1/sipstorm.1.gz                                (generated from the --help texts)
#   share/bash-completion/completions/sipstorm                  (commands, options, installed scenarios)
# and `cpack -G DEB` (in BUILD) makes sipstorm_<version>_<arch>.deb with its Debian dependencies
# (dpkg-shlibdeps). Included from the top-level CMakeLists.txt.
include(GNUInstallDirs)

find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(SIPSTORM_MAN ${CMAKE_BINARY_DIR}/sipstorm.1.gz)
set(SIPSTORM_COMPLETION ${CMAKE_BINARY_DIR}/sipstorm.bash-completion)
add_custom_command(
  OUTPUT ${SIPSTORM_MAN} ${SIPSTORM_COMPLETION}
  COMMAND Python3::Interpreter ${CMAKE_SOURCE_DIR}/tools/docs/help_docs.py $<TARGET_FILE:sipstorm>
          --man ${SIPSTORM_MAN} --completion ${SIPSTORM_COMPLETION}
  DEPENDS sipstorm ${CMAKE_SOURCE_DIR}/tools/docs/help_docs.py
  COMMENT "man page and bash completion from sipstorm's --help texts")
add_custom_target(sipstorm_docs ALL DEPENDS ${SIPSTORM_MAN} ${SIPSTORM_COMPLETION})

install(TARGETS sipstorm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/sipstorm/scenarios
        FILES_MATCHING PATTERN "*.lua")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/lua/ DESTINATION ${CMAKE_INSTALL_DATADIR}/sipstorm/lua
        FILES_MATCHING PATTERN "*.lua")
install(FILES ${SIPSTORM_MAN} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${SIPSTORM_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME sipstorm)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/tools/RESULT_SCHEMA.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sipstorm)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sipstorm maintainers <sipstorm@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "high-throughput SIP load generator and conformance tester")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Stress-tests PBXs and SIP proxies with scripted Lua call scenarios, measures response times\nagainst the intended send time, tells when the generator itself was the bottleneck, merges\nthe results of many machines exactly and serves live figures to Prometheus.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the libraries the binary links (libfmt9, liblua5.4-0, librte-*, ...)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, tshark")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
